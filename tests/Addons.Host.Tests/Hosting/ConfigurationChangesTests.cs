using Addons.Host.Hosting;
using Addons.Host.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Addons.Host.Tests.Hosting;

/// <summary>
/// plugins.json saved while the host runs: option values go through configure (rolled back when an addon refuses),
/// a changed plugin set is reported as needing a restart, and a malformed save is named by its line and changes nothing.
/// </summary>
public sealed class ConfigurationChangesTests
{
    private static readonly string Recorder = TestHost.Entry("Recorder", TestPaths.TestPlugin("Recorder"), 1);

    [Test]
    public async Task A_changed_option_value_is_applied_through_configure()
    {
        await using var host = await TestHost.StartWithFileAsync(File(Recorder, "\"dump_json\": false"));

        await SaveAsync(host, File(Recorder, "\"dump_json\": true"));

        Assert.That(host.Options.Get<bool>("dump_json"), Is.True);
        Assert.That(host.Logs.Lines.Select(l => l.Message), Has.Some.EndsWith("plugins.json changed: dump_json=true applied"));
    }

    [Test]
    public async Task A_value_an_addon_refuses_is_rolled_back_and_logged_with_its_reason()
    {
        await using var host = await TestHost.StartWithFileAsync(File(Recorder, "\"dumper_filter\": \"~q\""));

        await SaveAsync(host, File(Recorder, "\"dumper_filter\": \"~c nine\""));

        Assert.That(host.Options.Get<string>("dumper_filter"), Is.EqualTo("~q"));
        var error = host.Logs.Errors.Single().Message;
        Assert.That(error, Does.Contain("plugins.json changed dumper_filter=~c nine, but: "));
        Assert.That(error, Does.EndWith("The change to dumper_filter was rolled back."));
    }

    [Test]
    public async Task A_changed_plugin_set_is_reported_as_needing_a_restart()
    {
        await using var host = await TestHost.StartWithFileAsync(File(Recorder, "\"dump_json\": false"));

        await SaveAsync(host, File(TestHost.Entry("Recorder", TestPaths.TestPlugin("Recorder"), 5) + ", " + TestHost.Entry("Other", "Other.dll", 6), "\"dump_json\": false"));

        Assert.That(host.Logs.Lines.Where(l => l.Level == LogLevel.Warning).Select(l => l.Message), Has.Some.EndsWith(
            "plugins.json changed the plugin set ('Recorder' changed its Order; 'Other' was added); plugins load at start, so restart the host to apply that (a watched plugin reloads when its build changes, not when its entry does)"));
        Assert.That(host.PluginAddonNames, Is.EqualTo(new[] { "recorder" }));
    }

    [Test]
    public async Task A_malformed_save_is_named_by_its_line_and_changes_nothing()
    {
        await using var host = await TestHost.StartWithFileAsync(File(Recorder, "\"dump_json\": false"));

        await SaveAsync(host, "{\n  \"Addons\": {\n    \"Recorder\": { \"Order\": 1,, }\n  }\n}\n");

        Assert.That(host.Options.Get<bool>("dump_json"), Is.False);
        var error = host.Logs.Errors.Single().Message;
        Assert.That(error, Does.Match(@"plugins\.json, line 3, column \d+: malformed JSON .*The change is not applied; the host runs on as it was\."));
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Saving_the_file_is_enough(CancellationToken cancellationToken)
    {
        await using var host = await TestHost.StartWithFileAsync(File(Recorder, "\"dump_json\": false"));
        await host.Addons.RunningAsync(cancellationToken);

        await System.IO.File.WriteAllTextAsync(PathOf(host), File(Recorder, "\"dump_json\": true"), cancellationToken);
        while (!host.Options.Get<bool>("dump_json"))
        {
            await Task.Delay(50, cancellationToken);
        }

        Assert.That(host.Logs.Lines.Select(l => l.Message), Has.Some.EndsWith("plugins.json changed: dump_json=true applied"));
    }

    private static string File(string entries, string dump) => $"{{ \"Addons\": {{ {entries} }}, \"Dump\": {{ {dump} }} }}";

    private static string PathOf(TestHost host) => host.Services.GetRequiredService<AddonProxySettings>().Source;

    /// <summary>Writes the file and applies it at once, as the file watcher would after its quiet period.</summary>
    private static async Task SaveAsync(TestHost host, string text)
    {
        await host.Addons.RunningAsync(CancellationToken.None);
        await System.IO.File.WriteAllTextAsync(PathOf(host), text);
        ((IConfigurationRoot)host.Services.GetRequiredService<IConfiguration>()).Reload();
        await host.Addons.ApplyConfigurationChangesAsync();
    }
}
