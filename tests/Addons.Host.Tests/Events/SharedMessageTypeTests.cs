using Addons.Host.Tests.Infrastructure;

namespace Addons.Host.Tests.Events;

/// <summary>
/// Two plugins that exchange a message type of their own (PingMessages.Ping), each with its own copy of the assembly
/// that declares it: the bus cannot deliver one copy's type to subscribers of the other, and says so once, by name.
/// </summary>
public sealed class SharedMessageTypeTests
{
    [Test]
    public async Task A_message_type_of_each_plugins_own_copy_does_not_reach_the_other_and_the_bus_says_so_once()
    {
        await using var host = await TestHost.StartAsync(
            [TestHost.Entry("Pinger", TestPaths.TestPlugin("Pinger"), 1), TestHost.Entry("Ponger", TestPaths.TestPlugin("Ponger"), 2)]);

        for (var i = 0; i < 3; i++)
        {
            await host.ExecuteAsync("pinger.ping", $"hello {i}");
        }

        Assert.That((string[])(await host.ExecuteAsync("ponger.received"))!, Is.Empty);
        var warnings = host.Logs.Lines.Select(l => l.Message).Where(m => m.Contains("PingMessages.Ping", StringComparison.Ordinal)).ToList();
        Assert.That(warnings, Has.Count.EqualTo(1));
        Assert.That(warnings[0], Does.StartWith("Addon 'pinger' published PingMessages.Ping from ").And.Contain("which does not reach addon(s) 'ponger'")
            .And.Contain("List \"Shares\": [\"PingMessages\"] in the plugins.json entries"));
    }

    [Test]
    public async Task Plugins_that_list_the_assembly_in_Shares_get_one_copy_and_every_message()
    {
        await using var host = await TestHost.StartAsync(
        [
            TestHost.Entry("Pinger", TestPaths.TestPlugin("Pinger"), 1, "\"Shares\": [\"PingMessages\"]"),
            TestHost.Entry("Ponger", TestPaths.TestPlugin("Ponger"), 2, "\"Shares\": [\"PingMessages\"]"),
        ]);

        for (var i = 0; i < 3; i++)
        {
            await host.ExecuteAsync("pinger.ping", $"hello {i}");
        }

        Assert.That((string[])(await host.ExecuteAsync("ponger.received"))!, Is.EqualTo(new[] { "hello 0", "hello 1", "hello 2" }));
        Assert.That(host.Logs.Lines.Select(l => l.Message), Has.Some.StartsWith("Plugins 'Pinger', 'Ponger' share PingMessages 0.1.0.0 ("));
        Assert.That(host.Logs.Lines.Select(l => l.Message), Has.None.Contains("which does not reach"));
    }

    [Test]
    public async Task An_assembly_no_listing_plugin_has_is_a_load_failure_of_each_that_lists_it()
    {
        await using var host = await TestHost.StartAsync(
        [
            TestHost.Entry("Pinger", TestPaths.TestPlugin("Pinger"), 1, "\"Shares\": [\"Nowhere.Messages\"]"),
            TestHost.Entry("Ponger", TestPaths.TestPlugin("Ponger"), 2),
        ]);

        Assert.That(host.PluginAddonNames, Is.EqualTo(new[] { "ponger" }));
        Assert.That(host.Addons.Failures, Is.EqualTo(new[]
        {
            "Plugin 'Pinger': it shares Nowhere.Messages, but no plugin that lists it ('Pinger') has Nowhere.Messages.dll in its folder; publish the plugin with it.",
        }));
    }

    [TestCase("\"Shares\": \"PingMessages\"", "Addons:Pinger:Shares must be a list of assembly names, such as [\"PingMessages\"], not \"PingMessages\".")]
    [TestCase("\"Shares\": [\"lib/PingMessages.dll\"]", "Addons:Pinger:Shares:0 is \"lib/PingMessages.dll\", which is not an assembly's name; name it as the runtime does, without folder or .dll, such as PingPong.Messages.")]
    public void A_Shares_that_is_not_a_list_of_names_is_one_sentence_naming_the_key(string shares, string expected)
    {
        var error = Assert.ThrowsAsync<AddonHostException>(async () =>
            await TestHost.StartAsync([TestHost.Entry("Pinger", TestPaths.TestPlugin("Pinger"), 1, shares)]));

        Assert.That(error!.Errors.Single(), Does.EndWith(expected));
    }
}
