using Addons.Abstractions.Commands;
using Addons.Testing.Tests.Probes;

namespace Addons.Testing.Tests;

/// <summary>CommandAsync and CallAsync run commands through the host's registry, with its conversions and sentences.</summary>
public sealed class CommandTests
{
    private AddonTestHost _host = null!;

    [SetUp]
    public async Task StartAsync() => _host = await AddonTestHost.StartAsync(new ProbeAddon("a", new Journal()));

    [TearDown]
    public async Task StopAsync() => await _host.DisposeAsync();

    [Test]
    public async Task Text_arguments_are_converted_to_the_parameters_types()
    {
        Assert.That(await _host.CommandAsync("a.add", "2", "40"), Is.EqualTo(42));
    }

    [Test]
    public void An_argument_that_does_not_convert_is_named()
    {
        var error = Assert.ThrowsAsync<CommandException>(() => _host.CommandAsync("a.add", "2", "forty"));

        Assert.That(error!.Message, Is.EqualTo("Command 'a.add': argument 'b' takes a whole number, not 'forty'."));
    }

    [Test]
    public void An_unknown_command_is_the_hosts_sentence_with_the_commands_of_its_prefix()
    {
        var similar = Assert.ThrowsAsync<CommandException>(() => _host.CommandAsync("a.subtract", "2", "1"));
        var unknown = Assert.ThrowsAsync<CommandException>(() => _host.CommandAsync("nothing.here"));

        Assert.That(similar!.Message, Is.EqualTo("Unknown command 'a.subtract'; did you mean a.add, a.fail, a.url?"));
        Assert.That(unknown!.Message, Is.EqualTo("Unknown command 'nothing.here'."));
    }

    [Test]
    public void What_a_command_throws_is_wrapped_with_its_name()
    {
        var error = Assert.ThrowsAsync<CommandException>(() => _host.CommandAsync("a.fail"));

        Assert.That(error!.Message, Is.EqualTo("Command 'a.fail' failed: the probe was asked to fail"));
    }

    [Test]
    public async Task Typed_arguments_are_passed_as_they_are()
    {
        var flow = TestFlows.Http("GET", "https://example.com:8443/a?b=1");

        Assert.That(await _host.CallAsync("a.url", flow), Is.EqualTo("https://example.com:8443/a?b=1"));
        Assert.That(await _host.CallAsync("a.add", 1, "2"), Is.EqualTo(3), "text is still converted");
    }

    [Test]
    public void A_flow_selector_needs_the_view()
    {
        var error = Assert.ThrowsAsync<CommandException>(() => _host.CommandAsync("a.url", "@focus"));

        Assert.That(error!.Message, Does.Contain("no loaded addon provides view.flows.resolve"));
    }
}
