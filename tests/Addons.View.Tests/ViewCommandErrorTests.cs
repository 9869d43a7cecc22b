using Addons.Abstractions.Commands;

namespace Addons.View.Tests;

/// <summary>Mistakes in View commands give one sentence naming the command and the argument.</summary>
public sealed class ViewCommandErrorTests
{
    [TestCase("view.focus.go", new[] { "first" }, "Command 'view.focus.go': argument 'offset' takes a whole number, not 'first'.")]
    [TestCase("view.properties.inbounds", new string[0], "Command 'view.properties.inbounds' takes 1 argument (index:int), got 0.")]
    [TestCase("view.order.reverse", new[] { "maybe" }, "Command 'view.order.reverse': argument 'reversed' takes true or false, not 'maybe'.")]
    [TestCase("view.flows.create", new[] { "get", "ftp://example.com" }, "Invalid URL: 'ftp://example.com' is not an http:// or https:// URL.")]
    [TestCase("view.settings.getval", new[] { "@focus", "key", "fallback" }, "Command 'view.settings.getval': argument 'flow' needs exactly one flow, but '@focus' selects 0 flows.")]
    [TestCase("flow.mark", new[] { "~q (", ":default:" }, "Invalid filter expression")]
    [TestCase("flow.mark", new[] { "@all", ":stra:" }, "Command 'flow.mark': argument 'marker' takes :default:, a single letter or digit, or an emoji name such as :grapes:, not ':stra:'.")]
    public async Task BadArgumentsAreNamed(string command, string[] arguments, string expected)
    {
        await using var harness = await ViewHarness.CreateAsync();

        var ex = Assert.ThrowsAsync<CommandException>(() => harness.RunAsync(command, arguments));

        Assert.That(ex!.Message, Does.Contain(expected));
    }

    [Test]
    public async Task ChangesArePublishedWithTheirIndexes()
    {
        await using var h = await ViewHarness.CreateAsync();
        var (a, b, c) = (ViewHarness.T(created: 1), ViewHarness.T(created: 2), ViewHarness.T(created: 3));
        h.View.Add(a, c, b);

        await h.CallAsync("view.flows.remove", b);

        Assert.That(h.Messages.OfType<Abstractions.View.ViewFlowAdded>().Select(m => m.Index), Is.EqualTo(new[] { 0, 1, 1 }), "b was inserted between a and c");
        Assert.That(h.Messages.OfType<Abstractions.View.ViewFlowRemoved>().Single(), Is.EqualTo(new Abstractions.View.ViewFlowRemoved { Flow = b, Index = 1 }));
        Assert.That(h.Messages.OfType<Abstractions.View.StoreFlowRemoved>().Single().Flow, Is.SameAs(b));
    }
}
