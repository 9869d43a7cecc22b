using Addons.Testing;
using NUnit.Framework;

namespace MyAddon.Tests;

public sealed class MyAddonAddonTests
{
    [Test]
    public async Task Adds_the_header_to_a_response()
    {
        await using var host = await AddonTestHost.StartAsync(new MyAddonAddon());
        var flow = TestFlows.Http("GET", "http://example.com/").WithResponse(200, "hi");

        await host.CycleAsync(flow);

        Assert.That(flow.Response!.Headers["X-MyAddon"], Is.EqualTo("hello"));
    }

    [Test]
    public async Task Takes_its_value_from_the_option()
    {
        await using var host = await AddonTestHost.StartAsync(new MyAddonAddon());
        await host.ConfigureAsync("myaddon_value", "world");
        var flow = TestFlows.Http("GET", "http://example.com/").WithResponse(200, "hi");

        await host.CycleAsync(flow);

        Assert.That(flow.Response!.Headers["X-MyAddon"], Is.EqualTo("world"));
    }

    [Test]
    public async Task Refuses_a_value_no_header_can_hold()
    {
        await using var host = await AddonTestHost.StartAsync(new MyAddonAddon());

        var refused = Assert.ThrowsAsync<Addons.Abstractions.Options.OptionsException>(() => host.ConfigureAsync("myaddon_value", "two\nlines"));

        Assert.That(refused!.Message, Does.Contain("myaddon_value: a header value holds no control"));
    }
}
