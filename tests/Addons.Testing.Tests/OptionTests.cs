using Addons.Abstractions.Options;
using Addons.Testing.Tests.Probes;

namespace Addons.Testing.Tests;

/// <summary>ConfigureAsync sets options through the host's store: configure with the changed names, rejections roll back.</summary>
public sealed class OptionTests
{
    private Journal _journal = null!;
    private ProbeAddon _probe = null!;
    private AddonTestHost _host = null!;

    [SetUp]
    public async Task StartAsync()
    {
        _journal = new Journal();
        _probe = new ProbeAddon("a", _journal);
        _host = await AddonTestHost.StartAsync(_probe);
        _journal.Clear();
    }

    [TearDown]
    public async Task StopAsync() => await _host.DisposeAsync();

    [Test]
    public async Task A_value_as_text_is_parsed_and_configure_gets_its_name()
    {
        await _host.ConfigureAsync("a_limit", "42");

        Assert.That(_probe.Limit, Is.EqualTo(42));
        Assert.That(_journal.Entries, Is.EqualTo(new[] { "a:configure:change:a_limit" }));
    }

    [Test]
    public async Task Several_values_are_one_change()
    {
        await _host.ConfigureAsync(new Dictionary<string, string> { ["a_limit"] = "1", ["a_label"] = "x" });

        Assert.That(_journal.Entries, Is.EqualTo(new[] { "a:configure:change:a_label,a_limit" }));
        Assert.That(_host.Options.Get<string>("a_label"), Is.EqualTo("x"));
    }

    [Test]
    public void A_rejection_throws_the_hosts_sentence_and_the_value_rolls_back()
    {
        var error = Assert.ThrowsAsync<OptionsException>(() => _host.ConfigureAsync("a_limit", "-5"));

        Assert.That(error!.Message, Is.EqualTo("Addon 'a' rejected the options: a_limit must be 0 or more, not -5. The change to a_limit was rolled back."));
        Assert.That(_probe.Limit, Is.EqualTo(10));
        Assert.That(_journal.Entries, Is.EqualTo(new[] { "a:configure:change:a_limit", "a:configure:change:a_limit" }), "configured again with the old value");
    }

    [Test]
    public void A_value_that_does_not_parse_is_refused_before_any_configure()
    {
        var error = Assert.ThrowsAsync<OptionsException>(() => _host.ConfigureAsync("a_limit", "many"));

        Assert.That(error!.Message, Is.EqualTo("Option 'a_limit' of addon 'a' takes a whole number, not 'many'."));
        Assert.That(_journal.Entries, Is.Empty);
    }
}
