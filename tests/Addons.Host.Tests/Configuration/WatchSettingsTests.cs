using Addons.Host.Configuration;
using Addons.Host.Hosting;
using Microsoft.Extensions.Configuration;

namespace Addons.Host.Tests.Configuration;

public sealed class WatchSettingsTests
{
    [Test]
    public void WithoutASectionTheDefaultsApply()
    {
        var settings = WatchSettings.Read(Settings(new ConfigurationBuilder().Build()));

        Assert.That(settings, Is.EqualTo(new WatchSettings(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(10))));
    }

    [Test]
    public void DurationsAreWrittenAsOptionsAre()
    {
        var settings = WatchSettings.Read(Settings(Configuration(("Watch:QuietPeriod", "250ms"), ("Watch:HookTimeout", "00:00:30"))));

        Assert.That(settings, Is.EqualTo(new WatchSettings(TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(30))));
    }

    [Test]
    public void EveryMistakeIsOneSentenceNamingItsKey()
    {
        var ex = Assert.Throws<AddonHostException>(() => WatchSettings.Read(Settings(Configuration(
            ("Watch:QuietPeriod", "soon"), ("Watch:HookTimeout", "0s"), ("Watch:Quiet", "1s")))));

        Assert.That(ex!.Errors, Is.EquivalentTo(new[]
        {
            "configuration: Watch:Quiet is not a known key; Watch has QuietPeriod, HookTimeout.",
            "configuration: Watch:QuietPeriod is \"soon\", which is not a duration such as 500ms or 00:00:00.5.",
            "configuration: Watch:HookTimeout is \"0s\", which is not a positive duration such as 10s or 00:00:10.",
        }));
    }

    [Test]
    public void AMistakeInPluginsJsonStopsTheHostNamingTheFile()
    {
        var ex = Assert.ThrowsAsync<AddonHostException>(() => Infrastructure.TestHost.StartWithFileAsync(
            """{ "Watch": { "HookTimeout": "forever" }, "Addons": {} }"""));

        Assert.That(ex!.Message, Does.EndWith("plugins.json: Watch:HookTimeout is \"forever\", which is not a positive duration such as 10s or 00:00:10."));
    }

    private static IConfiguration Configuration(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value))).Build();

    private static AddonProxySettings Settings(IConfiguration configuration) => new(configuration, configuration, "configuration", Path.GetTempPath());
}
