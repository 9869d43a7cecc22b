using Addons.Abstractions.Options;
using Addons.Testing.Tests.Probes;

namespace Addons.Testing.Tests;

/// <summary>AddonTestHost starts and stops addons as the host does: load, configure, running; done in reverse, once.</summary>
public sealed class LifecycleTests
{
    [Test]
    public async Task Start_runs_load_then_the_first_configure_with_every_option_then_running_in_chain_order()
    {
        var journal = new Journal();

        await using var host = await AddonTestHost.StartAsync(new ProbeAddon("a", journal), new ProbeAddon("b", journal));

        Assert.That(journal.Entries, Is.EqualTo(new[]
        {
            "a:load", "b:load",
            "a:configure:initial:a_label,a_limit,b_label,b_limit", "b:configure:initial:a_label,a_limit,b_label,b_limit",
            "a:running", "b:running",
        }));
        Assert.That(host.Addons.Select(a => a.Name), Is.EqualTo(new[] { "a", "b" }));
    }

    [Test]
    public async Task Dispose_runs_done_in_reverse_order_once()
    {
        var journal = new Journal();
        var host = await AddonTestHost.StartAsync(new ProbeAddon("a", journal), new ProbeAddon("b", journal));
        journal.Clear();

        await host.DisposeAsync();
        await host.DisposeAsync();

        Assert.That(journal.Entries, Is.EqualTo(new[] { "b:done", "a:done" }));
    }

    [Test]
    public async Task Options_given_at_start_are_what_the_first_configure_sees()
    {
        var journal = new Journal();
        var probe = new ProbeAddon("a", journal);

        await using var host = await AddonTestHost.StartAsync(probe, new Dictionary<string, string> { ["a_limit"] = "3" });

        Assert.That(probe.Limit, Is.EqualTo(3));
        Assert.That(host.Options.Get<int>("a_limit"), Is.EqualTo(3));
    }

    [Test]
    public void An_option_the_addons_do_not_declare_is_refused_at_start_with_the_closest_name()
    {
        var error = Assert.ThrowsAsync<OptionsException>(() => AddonTestHost.StartAsync(new ProbeAddon("a", new Journal()), new Dictionary<string, string> { ["a_limt"] = "3" }));

        Assert.That(error!.Message, Is.EqualTo("No loaded addon declares an option 'a_limt'; did you mean a_limit?"));
    }

    [Test]
    public void A_rejection_in_the_first_configure_fails_the_start_with_the_hosts_sentence_and_the_addons_get_done()
    {
        var journal = new Journal();

        var error = Assert.ThrowsAsync<OptionsException>(() => AddonTestHost.StartAsync(new ProbeAddon("a", journal), new Dictionary<string, string> { ["a_limit"] = "-1" }));

        Assert.That(error!.Message, Is.EqualTo("Addon 'a' rejected the options: a_limit must be 0 or more, not -1. The host does not start with options an addon refuses."));
        Assert.That(journal.Entries, Does.Not.Contain("a:running").And.Contain("a:done"));
    }

    [Test]
    public void Two_addons_of_one_name_are_refused()
    {
        var journal = new Journal();

        var error = Assert.ThrowsAsync<InvalidOperationException>(() => AddonTestHost.StartAsync(new ProbeAddon("a", journal), new ProbeAddon("a", journal)));

        Assert.That(error!.Message, Does.Contain("are both named 'a'"));
    }

    [Test]
    public void An_addon_that_fails_in_load_is_named_with_its_reason()
    {
        var error = Assert.ThrowsAsync<InvalidOperationException>(() => AddonTestHost.StartAsync(new FailingLoadAddon()));

        Assert.That(error!.Message, Is.EqualTo("Addon 'failingload' failed in load: no loading today"));
    }

    private sealed class FailingLoadAddon : Abstractions.Addon
    {
        public override void Load(Abstractions.IAddonLoader loader) => throw new InvalidOperationException("no loading today");
    }
}
