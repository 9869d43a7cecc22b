using System.Text.Json;
using Addons.Abstractions;
using Addons.Abstractions.Commands;
using Addons.Abstractions.Hooks;
using Addons.Abstractions.Options;
using Addons.Abstractions.Storage;
using Addons.Testing;

namespace Addons.StreamTester.Tests;

/// <summary>The stream tester as an addon, in the test kit's host: its options, its commands, its flows through the chain.</summary>
public sealed class StreamTesterAddonTests
{
    private string _folder = null!;

    [SetUp]
    public void SetUp() => _folder = Directory.CreateTempSubdirectory("streamtester-addon-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_folder, recursive: true);

    [Test]
    public void An_invalid_rate_option_stops_the_start_with_the_hosts_sentence()
    {
        var error = Assert.ThrowsAsync<OptionsException>(() => AddonTestHost.StartAsync(new StreamTesterAddon(), new Dictionary<string, string> { ["streamtester_rate"] = "fast" }));

        Assert.That(error!.Message, Is.EqualTo("Addon 'streamtester' rejected the options: streamtester: rate 'fast' is neither a number of flows per second nor max. The host does not start with options an addon refuses."));
    }

    [Test]
    public async Task A_unit_selector_needs_the_view()
    {
        await using var host = await AddonTestHost.StartAsync(new StreamTesterAddon());

        var error = Assert.ThrowsAsync<CommandException>(() => host.CommandAsync("streamtester.start", "unit=@focus"));

        Assert.That(error!.Message, Is.EqualTo("No stream was started: the unit flow '@focus' is looked up with view.flows.resolve, and no View addon is loaded to provide it."));
    }

    [Test]
    public async Task Progress_is_idle_before_a_stream_and_a_structured_result_after_one()
    {
        var storage = new ReportingStorage();
        await using var host = await AddonTestHost.StartAsync([new StreamTesterAddon(), storage], new Dictionary<string, string> { ["streamtester_output"] = _folder });
        Assert.That(JsonSerializer.Serialize(await host.CommandAsync("streamtester.progress", "0")), Does.Contain("\"state\":\"idle\""));

        await host.CommandAsync("streamtester.start", "rate=max", "count=25", "duration=0");
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!((string)(await host.CommandAsync("streamtester.status"))!).StartsWith("Stream finished", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        using var progress = JsonDocument.Parse(JsonSerializer.Serialize(await host.CommandAsync("streamtester.progress", "0")));

        var root = progress.RootElement;
        Assert.Multiple(() =>
        {
            Assert.That(root.GetProperty("state").GetString(), Is.EqualTo("finished"));
            Assert.That(root.GetProperty("offered").GetInt64(), Is.EqualTo(25));
            Assert.That(root.GetProperty("persisted").GetInt64(), Is.EqualTo(25));
            Assert.That(root.GetProperty("startedAt").GetInt64(), Is.GreaterThan(0));
            Assert.That(root.GetProperty("stream").GetString(), Does.Contain("25"));
            Assert.That(root.GetProperty("seconds").ValueKind, Is.EqualTo(JsonValueKind.Array));
        });
    }

    [Test]
    public async Task A_counted_stream_goes_through_the_chain_and_ends_when_storage_reported_every_flow()
    {
        var storage = new ReportingStorage();
        await using var host = await AddonTestHost.StartAsync([new StreamTesterAddon(), storage], new Dictionary<string, string> { ["streamtester_output"] = _folder });

        Assert.That(await host.CommandAsync("streamtester.start", "rate=max", "count=25", "duration=0"), Does.StartWith("Stream started: "));
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!((string)(await host.CommandAsync("streamtester.status"))!).StartsWith("Stream finished", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        // Once the stream has finished, stop only returns its summary.
        var summary = (string)(await host.CommandAsync("streamtester.stop"))!;

        Assert.Multiple(() =>
        {
            Assert.That(storage.Responses, Is.EqualTo(25), "each flow went through the chain to the addon after the stream tester");
            Assert.That(summary, Does.Contain("offered").And.Contain("25 flows"));
            Assert.That(host.Published<FlowsPersisted>().Sum(p => p.FlowIds.Count), Is.EqualTo(25));
            Assert.That(Directory.GetFiles(_folder).Select(Path.GetExtension).Order(), Is.EqualTo(new[] { ".csv", ".json", ".svg" }));
            Assert.That(host.HasLog("Stream produced 25"), Is.True, "the addon logs what it produced");
        });
    }

    /// <summary>Stands for the Session: reports each flow persisted as soon as its response has run.</summary>
    private sealed class ReportingStorage : Addon
    {
        private IAddonLoader _loader = null!;
        private int _responses;

        public int Responses => Volatile.Read(ref _responses);

        public override void Load(IAddonLoader loader) => _loader = loader;

        public override ValueTask ResponseAsync(HttpFlowContext context)
        {
            Interlocked.Increment(ref _responses);
            _loader.Bus.Publish(new FlowsPersisted { FlowIds = [context.Flow.Id], CommittedAt = DateTimeOffset.UtcNow, WriteDuration = TimeSpan.Zero, QueueDepth = 0 });
            return default;
        }
    }
}
