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
}
