using Addons.Abstractions.Hooks;
using Addons.Testing.Tests.Probes;

namespace Addons.Testing.Tests;

/// <summary>InvokeAsync delivers exactly one hook through the chain, by mitmproxy's name or the method's.</summary>
public sealed class InvokeTests
{
    private Journal _journal = null!;
    private AddonTestHost _host = null!;

    [SetUp]
    public async Task StartAsync()
    {
        _journal = new Journal();
        _host = await AddonTestHost.StartAsync(new ProbeAddon("a", _journal) { HaltIn = "client_connected" }, new ProbeAddon("b", _journal));
        _journal.Clear();
    }

    [TearDown]
    public async Task StopAsync() => await _host.DisposeAsync();

    [Test]
    public async Task A_flow_hook_reaches_every_addon_without_an_update()
    {
        var flow = TestFlows.Http();

        var context = await _host.InvokeAsync("request", flow);

        Assert.That(_journal.Entries, Is.EqualTo(new[] { "a:request", "b:request" }));
        Assert.That(((HttpFlowContext)context).Flow, Is.SameAs(flow));
    }

    [Test]
    public async Task A_context_of_the_tests_making_is_returned_with_what_the_addons_did()
    {
        var context = await _host.InvokeAsync(nameof(Abstractions.Addon.ClientConnectedAsync), new ClientConnectionContext(TestFlows.Http().Client, default));

        Assert.That(context.IsHalted, Is.True);
        Assert.That(_journal.Entries, Is.EqualTo(new[] { "a:client_connected" }), "a halted, so b did not get it");
    }

    [Test]
    public async Task Update_and_the_lifecycle_hooks_are_hooks_too()
    {
        await _host.InvokeAsync("update", TestFlows.Tcp());
        await _host.InvokeAsync("running", new LifecycleContext(default));

        Assert.That(_journal.Entries, Is.EqualTo(new[] { "a:update", "b:update", "a:running", "b:running" }));
    }

    [Test]
    public void An_unknown_hook_or_a_context_of_another_hook_is_refused()
    {
        var unknown = Assert.ThrowsAsync<ArgumentException>(() => _host.InvokeAsync("requests", TestFlows.Http()));
        var wrongContext = Assert.ThrowsAsync<ArgumentException>(() => _host.InvokeAsync("request", new LifecycleContext(default)));
        var wrongFlow = Assert.ThrowsAsync<ArgumentException>(() => _host.InvokeAsync("request", TestFlows.Dns()));

        Assert.That(unknown!.Message, Does.StartWith("'requests' is not a hook; the hooks are configure, running, done, "));
        Assert.That(wrongContext!.Message, Does.StartWith("Hook 'request' takes a HttpFlowContext, not a LifecycleContext."));
        Assert.That(wrongFlow!.Message, Does.StartWith("Hook 'request' takes a HttpFlowContext, which is not made from a Dns flow"));
        Assert.That(_journal.Entries, Is.Empty);
    }
}
