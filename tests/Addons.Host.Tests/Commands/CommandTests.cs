using Addons.Abstractions.Commands;
using Addons.Abstractions.Flows;
using Addons.Host.Commands;
using Addons.Host.Tests.Infrastructure;

namespace Addons.Host.Tests.Commands;

public sealed class CommandTests
{
    private TestHost _host = null!;

    [OneTimeSetUp]
    public async Task StartAsync() =>
        _host = await TestHost.StartAsync([TestHost.Entry("Recorder", TestPaths.TestPlugin("Recorder"), 1)]);

    [OneTimeTearDown]
    public async Task StopAsync() => await _host.DisposeAsync();

    [Test]
    public void CommandsAreListedWithTypedSignatures()
    {
        var commands = _host.Commands.List();

        Assert.That(commands.Select(c => c.Signature), Is.SupersetOf(new[]
        {
            "recorder.add a:int b:int -> int",
            "recorder.join separator:str [rest:str...] -> str",
            "recorder.log -> str[]",
            "recorder.flowurl flow:flow -> str",
            "recorder.publish url:str -> void",
        }));
        Assert.That(commands.Single(c => c.Name == "recorder.add").Owner, Is.EqualTo("recorder"));
    }

    [Test]
    public async Task TextArgumentsAreConvertedToTheParameterTypes()
    {
        Assert.That(await _host.ExecuteAsync("recorder.add", "2", "40"), Is.EqualTo(42));
        Assert.That(await _host.ExecuteAsync("recorder.join", "-", "a", "b", "c"), Is.EqualTo("a-b-c"));
        Assert.That(await _host.ExecuteAsync("recorder.join", ","), Is.EqualTo(""));
        Assert.That(await _host.ExecuteAsync("recorder.delay", "1"), Is.EqualTo(1), "an awaited result is unwrapped");
        Assert.That(await _host.ExecuteAsync("recorder.publish", "http://example.com/"), Is.Null);
    }

    [Test]
    public async Task TypedArgumentsCanBePassedDirectly() =>
        Assert.That(await _host.Commands.CallAsync("recorder.add", [1, "2"]), Is.EqualTo(3));

    [TestCase("recorder.nope", new string[0], "Unknown command 'recorder.nope'; did you mean recorder.add, recorder.clear, recorder.delay, recorder.fail, recorder.flowurl?")]
    [TestCase("nothing", new string[0], "Unknown command 'nothing'.")]
    [TestCase("recorder.add", new[] { "1" }, "Command 'recorder.add' takes 2 arguments (a:int b:int), got 1.")]
    [TestCase("recorder.add", new[] { "1", "2", "3" }, "Command 'recorder.add' takes 2 arguments (a:int b:int), got 3.")]
    [TestCase("recorder.add", new[] { "1", "two" }, "Command 'recorder.add': argument 'b' takes a whole number, not 'two'.")]
    [TestCase("recorder.log", new[] { "x" }, "Command 'recorder.log' takes no arguments, got 1.")]
    [TestCase("recorder.fail", new string[0], "Command 'recorder.fail' failed: the recorder was asked to fail")]
    [TestCase("recorder.flowurl", new[] { "@focus" }, "Command 'recorder.flowurl': argument 'flow' is a flow selector ('@focus'), but no loaded addon provides view.flows.resolve to resolve it (the View addon does).")]
    public void BadCallsGetOneClearSentence(string command, string[] arguments, string expected)
    {
        var ex = Assert.ThrowsAsync<CommandException>(async () => await _host.ExecuteAsync(command, arguments));

        Assert.That(ex!.Message, Is.EqualTo(expected));
    }

    [Test]
    public async Task FlowArgumentsAreResolvedThroughViewFlowsResolve()
    {
        var flows = new[] { FlowLifecycle.NewFlow("http://a.example/x"), FlowLifecycle.NewFlow("http://b.example/y") };
        var registry = new CommandRegistry();
        registry.Register("view", "view.flows.resolve", (string spec) => (IReadOnlyList<Flow>)[.. flows.Where(f => spec == "@all" || f.Request.Host == spec)], "Resolves.");
        registry.Register("test", "test.url", (Flow flow) => ((HttpFlow)flow).Request.Url, "One flow's URL.");
        registry.Register("test", "test.count", (IReadOnlyList<Flow> many) => many.Count, "How many.");

        Assert.That(await registry.ExecuteAsync("test.url", ["b.example"]), Is.EqualTo("http://b.example/y"));
        Assert.That(await registry.ExecuteAsync("test.count", ["@all"]), Is.EqualTo(2));
        var ex = Assert.ThrowsAsync<CommandException>(async () => await registry.ExecuteAsync("test.url", ["@all"]));
        Assert.That(ex!.Message, Is.EqualTo("Command 'test.url': argument 'flow' needs exactly one flow, but '@all' selects 2 flows."));
    }

    [Test]
    public void RegistrationChecksNamesTypesAndDuplicates()
    {
        var registry = new CommandRegistry();
        registry.Register("one", "one.go", () => 1, "Go.");

        Assert.Multiple(() =>
        {
            Assert.That(() => registry.Register("two", "one.go", () => 2, "Again."),
                Throws.TypeOf<CommandException>().With.Message.EqualTo("Addon 'two': command 'one.go' is already registered by addon 'one'."));
            Assert.That(() => registry.Register("two", "Two Words", () => 2, "Bad."),
                Throws.TypeOf<CommandException>().With.Message.EqualTo("Addon 'two': command name 'Two Words' is not valid; use dotted lower-case words such as view.filter.set."));
            Assert.That(() => registry.Register("two", "two.when", (DateTime when) => when, "Bad type."),
                Throws.TypeOf<CommandException>().With.Message.StartWith("Addon 'two': command 'two.when' has parameter 'when' of type DateTime, which commands cannot take"));
        });
    }
}
