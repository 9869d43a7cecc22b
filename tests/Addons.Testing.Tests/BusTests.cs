using Addons.Testing.Tests.Probes;

namespace Addons.Testing.Tests;

/// <summary>Published records every message on the host's bus; PublishAsync and Bus reach the addons.</summary>
public sealed class BusTests
{
    [Test]
    public async Task What_the_addons_publish_is_recorded_by_type_in_order()
    {
        var journal = new Journal();
        await using var host = await AddonTestHost.StartAsync(new ProbeAddon("a", journal), new ProbeAddon("b", journal));

        await host.CycleAsync(TestFlows.Http().WithResponse());

        Assert.That(host.Published<ProbeMessage>(), Is.EqualTo(new[] { new ProbeMessage("a", "responded"), new ProbeMessage("b", "responded") }));
        Assert.That(host.Published<string>(), Is.Empty);
        Assert.That(journal.Entries, Does.Contain("b:received:a:responded"), "delivered to the other addon too");
    }

    [Test]
    public async Task PublishAsync_delivers_to_the_addons_and_is_recorded_too()
    {
        var journal = new Journal();
        await using var host = await AddonTestHost.StartAsync(new ProbeAddon("a", journal));

        await host.PublishAsync(new ProbeMessage("test", "hello"));

        Assert.That(journal.Entries, Does.Contain("a:received:test:hello"));
        Assert.That(host.Published<object>(), Is.EqualTo(new object[] { new ProbeMessage("test", "hello") }));
    }

    [Test]
    public async Task The_tests_own_subscriptions_see_the_addons_messages_and_ClearPublished_forgets()
    {
        await using var host = await AddonTestHost.StartAsync(new ProbeAddon("a", new Journal()));
        var seen = new List<ProbeMessage>();
        host.Bus.Subscribe<ProbeMessage>(seen.Add);

        await host.CycleAsync(TestFlows.Http().WithResponse());
        host.ClearPublished();

        Assert.That(seen, Is.EqualTo(new[] { new ProbeMessage("a", "responded") }));
        Assert.That(host.Published<ProbeMessage>(), Is.Empty);
    }
}
