using Addons.Testing.Tests.Probes;
using Microsoft.Extensions.Logging;

namespace Addons.Testing.Tests;

/// <summary>Logs captures what the addons and the host log, with the addon's name; HasLog searches it.</summary>
public sealed class LogTests
{
    [Test]
    public async Task What_an_addon_logs_is_captured_with_its_name_and_level()
    {
        await using var host = await AddonTestHost.StartAsync(new ProbeAddon("a", new Journal()));

        var loaded = host.Logs.Single(l => l.Message == "Probe a loaded");

        Assert.Multiple(() =>
        {
            Assert.That(loaded.Level, Is.EqualTo(LogLevel.Information));
            Assert.That(loaded.Addon, Is.EqualTo("a"));
            Assert.That(loaded.Category, Is.EqualTo(typeof(ProbeAddon).FullName));
            Assert.That(host.HasLog("Probe a loaded"), Is.True);
            Assert.That(host.HasLog("a loaded", LogLevel.Information), Is.True, "a part of the message is enough");
            Assert.That(host.HasLog("Probe a loaded", LogLevel.Warning), Is.False, "the level must match when given");
            Assert.That(host.HasLog("Probe b loaded"), Is.False);
        });
    }

    [Test]
    public async Task A_hook_that_throws_is_logged_by_the_chain_and_the_next_addon_still_runs()
    {
        var journal = new Journal();
        await using var host = await AddonTestHost.StartAsync(new ProbeAddon("a", journal) { ThrowIn = "request" }, new ProbeAddon("b", journal));
        var flow = TestFlows.Http();

        await host.CycleAsync(flow);

        Assert.That(host.HasLog($"Addon 'a' failed in hook 'request' for flow {flow.Id}: InvalidOperationException: a was told to throw in request", LogLevel.Error), Is.True);
        Assert.That(journal.Entries, Does.Contain("b:request"));
        Assert.That(host.Logs.Single(l => l.Level == LogLevel.Error).Addon, Is.Null, "the chain logged it, not the addon");
    }

    [Test]
    public async Task ClearLogs_forgets_what_was_logged()
    {
        await using var host = await AddonTestHost.StartAsync(new ProbeAddon("a", new Journal()));

        host.ClearLogs();
        await host.ConfigureAsync("a_label", "warn");

        Assert.That(host.Logs.Select(l => l.ToString()), Is.EqualTo(new[] { "Warning a: Probe a got the label warn" }));
    }
}
