using Addons.Host.Tests.Infrastructure;
using Microsoft.Extensions.Logging;

namespace Addons.Host.Tests.Configuration;

public sealed class PluginEntryReaderTests
{
    private static readonly string Recorder = TestPaths.Json(TestPaths.TestPlugin("Recorder"));

    [Test]
    public void AnUnknownKeyNamesTheFileAndTheKey()
    {
        var ex = Assert.ThrowsAsync<AddonHostException>(() => TestHost.StartWithFileAsync(
            $$"""{ "Addons": { "Recorder": { "Path": {{Recorder}}, "Enabeld": false } } }"""));

        Assert.That(ex!.Message, Does.EndWith("plugins.json: Addons:Recorder:Enabeld is not a known key; an addon entry has Path, Enabled, Order, Required, Options, Shares, Watch."));
    }

    [TestCase("\"Order\": \"first\"", "Addons:Recorder:Order is \"first\", which is not a whole number.")]
    [TestCase("\"Enabled\": \"yes\"", "Addons:Recorder:Enabled is \"yes\", which is not true or false.")]
    [TestCase("\"Required\": 1", "Addons:Recorder:Required is \"1\", which is not true or false.")]
    [TestCase("\"Options\": \"fast\"", "Addons:Recorder:Options must be an object of option names and values, not \"fast\".")]
    [TestCase("\"Watch\": \"yes\"", "Addons:Recorder:Watch is \"yes\", which is not true or false.")]
    public void AValueOfTheWrongTypeNamesTheFileAndTheKey(string setting, string expected)
    {
        var ex = Assert.ThrowsAsync<AddonHostException>(() => TestHost.StartWithFileAsync(
            $$"""{ "Addons": { "Recorder": { "Path": {{Recorder}}, {{setting}} } } }"""));

        Assert.That(ex!.Message, Does.Contain("plugins.json: ").And.EndWith(expected));
    }

    [Test]
    public void AValueFromTheCommandLineIsBlamedOnTheCommandLine()
    {
        var ex = Assert.ThrowsAsync<AddonHostException>(() => TestHost.StartWithFileAsync(
            $$"""{ "Addons": { "Recorder": { "Path": {{Recorder}} } } }""", "--Addons:Recorder:Order=soon"));

        Assert.That(ex!.Message, Is.EqualTo("the command line: Addons:Recorder:Order is \"soon\", which is not a whole number."));
    }

    [Test]
    public void AMissingPathIsNamed()
    {
        var ex = Assert.ThrowsAsync<AddonHostException>(() => TestHost.StartWithFileAsync("""{ "Addons": { "Mine": { "Order": 1 } } }"""));

        Assert.That(ex!.Message, Does.EndWith("plugins.json: Addons:Mine:Path is missing; it names the plugin's main assembly, such as addons/Mine/Mine.dll."));
    }

    [Test]
    public void AFileWithoutAnAddonsSectionIsRefused()
    {
        var ex = Assert.ThrowsAsync<AddonHostException>(() => TestHost.StartWithFileAsync("""{ "Plugins": {} }"""));

        Assert.That(ex!.Message, Does.EndWith("plugins.json has no \"Addons\" section; it must list the addons to load, keyed by id."));
    }

    [Test]
    public async Task AnEmptyAddonsSectionRunsABareProxyWithTheBuiltInAddonsOnly()
    {
        await using var origin = RawOrigin.Answering("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        await using var proxy = await ProxyHarness.StartAsync([]);
        await using var client = await proxy.ConnectAsync();

        await client.SendAsync($"GET {origin.Url("/bare")} HTTP/1.1\r\nHost: 127.0.0.1:{origin.Port}\r\n\r\n");
        var response = await client.ReadUntilAsync("\r\n\r\nok");

        Assert.That(response, Does.StartWith("HTTP/1.1 200 OK\r\n"));
        Assert.That(proxy.Host.Chain.Addons.Select(a => a.Name), Is.EqualTo(new[] { "proxy", "intercept", "readfile", "save", "dump", "control", "clientplayback" }));
        var notice = proxy.Host.Logs.Lines.Where(l => l.Message.Contains("lists no plugins", StringComparison.Ordinal)).ToList();
        Assert.That(notice, Has.Count.EqualTo(1));
        Assert.That(notice[0].Level, Is.EqualTo(LogLevel.Information));
        Assert.That(notice[0].Message, Does.EndWith($"{Path.DirectorySeparatorChar}plugins.json lists no plugins; running with the built-in addons only."));
    }

    [Test]
    public void EveryEntryErrorIsReportedAtOnce()
    {
        var ex = Assert.ThrowsAsync<AddonHostException>(() => TestHost.StartWithFileAsync(
            """{ "Addons": { "A": { "Order": "x" }, "B": { "Path": "b.dll", "Colour": "red" } } }"""));

        Assert.That(ex!.Errors, Has.Count.EqualTo(3));
    }
}
