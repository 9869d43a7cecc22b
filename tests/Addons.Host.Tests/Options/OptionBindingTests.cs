using Addons.Abstractions.Options;
using Addons.Host.Tests.Infrastructure;

namespace Addons.Host.Tests.Options;

public sealed class OptionBindingTests
{
    private static string Recorder(string options = "") =>
        TestHost.Entry("Recorder", TestPaths.TestPlugin("Recorder"), 1, options.Length > 0 ? $"\"Options\": {{ {options} }}" : "");

    private static string Second(string options = "") =>
        TestHost.Entry("Second", TestPaths.TestPlugin("SecondRecorder"), 2, options.Length > 0 ? $"\"Options\": {{ {options} }}" : "");

    [Test]
    public async Task OptionsComeFromTheAddonsSectionAndTheCommandLineOverridesThem()
    {
        await using var host = await TestHost.StartAsync(
            [Recorder("\"recorder_value\": \"from-file\", \"recorder_count\": 5, \"recorder_mode\": \"slow\"")],
            "--set", "recorder_count=7");

        Assert.Multiple(() =>
        {
            Assert.That(host.Options.Get<string>("recorder_value"), Is.EqualTo("from-file"));
            Assert.That(host.Options.Get<int>("recorder_count"), Is.EqualTo(7));
            Assert.That(host.Options.Get<string>("recorder_mode"), Is.EqualTo("slow"));
        });
        var recorded = await host.RecordedAsync("recorder");
        Assert.That(recorded.Where(r => r.StartsWith("configure", StringComparison.Ordinal)), Is.EqualTo(new[] { "configure:from-file" }),
            "the first configure already sees the configured values");
    }

    [Test]
    public async Task AListOptionGivenSeveralTimesTakesEveryValueAsMitmproxysSetDoes()
    {
        await using var host = await TestHost.StartAsync(
            [Recorder("\"recorder_count\": 5")],
            "--set", @"ignore_hosts=internal\.example:443", "--set", "recorder_count=6", "--set", "ignore_hosts=.*:5432", "--set", "recorder_count=7");

        Assert.That(host.Options.Get<IReadOnlyList<string>>("ignore_hosts"), Is.EqualTo(new[] { @"internal\.example:443", ".*:5432" }));
        Assert.That(host.Options.Get<int>("recorder_count"), Is.EqualTo(7), "any other option keeps its last value");
    }

    [Test]
    public async Task AnEmptySetOfAListOptionEmptiesTheListTheFileGives()
    {
        await using var host = await TestHost.StartWithFileAsync(
            """{ "Proxy": { "ignore_hosts": [ "a:1", "b:2" ] }, "Addons": {} }""", "--set", "ignore_hosts=");

        Assert.That(host.Options.Get<IReadOnlyList<string>>("ignore_hosts"), Is.Empty);
    }

    [Test]
    public void AnUnknownOptionNamesTheFileTheKeyAndTheAddon()
    {
        var ex = Assert.ThrowsAsync<AddonHostException>(() => TestHost.StartAsync([Recorder("\"nope\": 1")]));

        Assert.That(ex!.Message, Does.EndWith("plugins.json: Addons:Recorder:Options:nope is not an option of addon 'recorder'; addon 'recorder' has recorder_value, recorder_halt_in, recorder_reject, recorder_count, recorder_done_delay, recorder_mode, recorder_log_in."));
    }

    [Test]
    public void AnotherAddonsOptionInTheWrongSectionSaysWhereItBelongs()
    {
        var ex = Assert.ThrowsAsync<AddonHostException>(() => TestHost.StartAsync([Recorder("\"second_value\": \"x\""), Second()]));

        Assert.That(ex!.Message, Does.EndWith("Addons:Recorder:Options:second_value is not an option of addon 'recorder'; it belongs to addon 'second', so set it in that addon's Options section."));
    }

    [TestCase("\"recorder_count\": \"abc\"", "Addons:Recorder:Options:recorder_count is \"abc\", but option 'recorder_count' takes a whole number.")]
    [TestCase("\"recorder_mode\": \"medium\"", "Addons:Recorder:Options:recorder_mode is \"medium\", but option 'recorder_mode' takes one of fast, slow.")]
    [TestCase("\"recorder_value\": { \"a\": 1 }", "Addons:Recorder:Options:recorder_value is \"(an object or array)\", but option 'recorder_value' takes a string.")]
    public void AValueOfTheWrongTypeNamesTheFileAndKey(string options, string expected)
    {
        var ex = Assert.ThrowsAsync<AddonHostException>(() => TestHost.StartAsync([Recorder(options)]));

        Assert.That(ex!.Message, Does.Contain("plugins.json: ").And.EndWith(expected));
    }

    [Test]
    public void EveryOptionErrorIsReportedAtOnce()
    {
        var ex = Assert.ThrowsAsync<AddonHostException>(() => TestHost.StartAsync(
            [Recorder("\"recorder_count\": \"x\", \"nope\": 2")], "--set", "missing=1"));

        Assert.That(ex!.Errors, Has.Count.EqualTo(3));
        Assert.That(ex.Errors.Last(), Is.EqualTo("--set missing=1: no loaded addon declares an option 'missing'."));
    }

    [TestCase("recorder_valu", "recorder_value", TestName = "{m}(a letter missing)")]
    [TestCase("recorder_vaule", "recorder_value", TestName = "{m}(two letters swapped)")]
    [TestCase("recorder_mood", "recorder_mode", TestName = "{m}(a letter wrong)")]
    [TestCase("Recorder_Count", "recorder_count", TestName = "{m}(in another case)")]
    [TestCase("listen_prot", "listen_port", TestName = "{m}(a built-in option)")]
    public void ASetOfAnUnknownOptionSuggestsTheClosestDeclaredOne(string name, string suggestion)
    {
        var ex = Assert.ThrowsAsync<AddonHostException>(() => TestHost.StartAsync([Recorder(), Second()], "--set", $"{name}=1"));

        Assert.That(ex!.Message, Is.EqualTo($"--set {name}=1: no loaded addon declares an option '{name}'; did you mean {suggestion}?"));
    }

    [Test]
    public void ASetOfAnUnknownOptionLikeNoneSuggestsNothing()
    {
        var ex = Assert.ThrowsAsync<AddonHostException>(() => TestHost.StartAsync([Recorder()], "--set", "colour_scheme=dark"));

        Assert.That(ex!.Message, Is.EqualTo("--set colour_scheme=dark: no loaded addon declares an option 'colour_scheme'."));
    }

    [Test]
    public async Task AChangeToAMistypedOptionAtRunTimeSuggestsTheClosest()
    {
        await using var host = await TestHost.StartAsync([Recorder()]);

        var ex = Assert.ThrowsAsync<OptionsException>(async () => await host.Options.SetAsync(new Dictionary<string, string> { ["recorder_valeu"] = "x" }));

        Assert.That(ex!.Message, Is.EqualTo("No loaded addon declares an option 'recorder_valeu'; did you mean recorder_value?"));
    }

    [Test]
    public void ASetOfTheWrongTypeIsRefused()
    {
        var ex = Assert.ThrowsAsync<AddonHostException>(() => TestHost.StartAsync([Recorder()], "--set", "recorder_count=many"));

        Assert.That(ex!.Message, Is.EqualTo("--set recorder_count=many: option 'recorder_count' of addon 'recorder' takes a whole number, not 'many'."));
    }

    [Test]
    public void AnAddonThatRejectsTheOptionsAtStartStopsTheHost()
    {
        var ex = Assert.ThrowsAsync<AddonHostException>(() => TestHost.StartAsync(
            [Recorder("\"recorder_reject\": \"no\", \"recorder_value\": \"no\"")]));

        Assert.That(ex!.Message, Is.EqualTo("Addon 'recorder' rejected the options: recorder_value must not be 'no'. The host does not start with options an addon refuses."));
    }

    [Test]
    public async Task ARejectedChangeRollsBackEveryOptionForEveryAddon()
    {
        await using var host = await TestHost.StartAsync([Recorder(), Second("\"second_reject\": \"bad\"")]);

        var ex = Assert.ThrowsAsync<OptionsException>(async () =>
            await host.Options.SetAsync(new Dictionary<string, string> { ["recorder_value"] = "good", ["second_value"] = "bad" }));

        Assert.That(ex!.Message, Is.EqualTo("Addon 'second' rejected the options: second_value must not be 'bad'. The change to recorder_value, second_value was rolled back."));
        Assert.Multiple(async () =>
        {
            Assert.That(host.Options.Get<string>("recorder_value"), Is.EqualTo(""));
            Assert.That(host.Options.Get<string>("second_value"), Is.EqualTo(""));
            Assert.That((await host.RecordedAsync("recorder")).Where(r => r.StartsWith("configure", StringComparison.Ordinal)),
                Is.EqualTo(new[] { "configure:", "configure:good", "configure:" }), "the first addon applied the new value, then was told to go back");
            Assert.That((await host.RecordedAsync("second")).Where(r => r.StartsWith("configure", StringComparison.Ordinal)),
                Is.EqualTo(new[] { "configure:", "configure:bad", "configure:" }));
        });
    }

    [Test]
    public async Task AnAcceptedChangeIsAppliedAndAnnouncedWithTheChangedNames()
    {
        await using var host = await TestHost.StartAsync([Recorder()]);

        await host.Options.UpdateAsync(new Dictionary<string, object?> { ["recorder_value"] = "new", ["recorder_count"] = 3 });

        Assert.That(host.Options.Get<string>("recorder_value"), Is.EqualTo("new"));
        Assert.That(host.Options.Get<int>("recorder_count"), Is.EqualTo(3));
        Assert.That((await host.RecordedAsync("recorder")).Last(), Is.EqualTo("configure:new"));
    }

    [Test]
    public async Task AChangeToAnUnknownOrMistypedOptionChangesNothing()
    {
        await using var host = await TestHost.StartAsync([Recorder()]);

        var ex = Assert.ThrowsAsync<OptionsException>(async () =>
            await host.Options.SetAsync(new Dictionary<string, string> { ["recorder_value"] = "x", ["recorder_count"] = "lots", ["ghost"] = "1" }));

        Assert.That(ex!.Message, Is.EqualTo("Option 'recorder_count' of addon 'recorder' takes a whole number, not 'lots'. No loaded addon declares an option 'ghost'."));
        Assert.That(host.Options.Get<string>("recorder_value"), Is.EqualTo(""));
    }
}
