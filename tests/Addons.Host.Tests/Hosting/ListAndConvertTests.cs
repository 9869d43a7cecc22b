using System.Text.Json;
using Addons.Abstractions.Flows;
using Addons.Host.Interop;
using Addons.Host.Tests.Infrastructure;

namespace Addons.Host.Tests.Hosting;

/// <summary>
/// -n -r as a mitmdump user runs it, on the real host process: every flow of a file is listed and converted, the
/// counts at the end agree, and standard output holds flows only, so that a pipeline can parse it.
/// </summary>
public sealed class ListAndConvertTests
{
    private string _folder = null!;

    [SetUp]
    public void SetUp() => _folder = Directory.CreateTempSubdirectory("addons-list-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_folder, recursive: true);

    [Test]
    [CancelAfter(120_000)]
    public async Task A_conversion_writes_every_flow_and_says_how_many_it_read_and_wrote(CancellationToken cancellationToken)
    {
        var flows = SaveStreamTests.MixedFlows();
        var input = Write("mixed.mitm", flows);
        var output = Path.Combine(_folder, "out.mitm");
        var har = Path.Combine(_folder, "out.har");

        var (code, listed, log) = await RunAsync(["-n", "-r", input, "-w", output], cancellationToken);
        var (harCode, _, harLog) = await RunAsync(["-n", "-q", "-r", input, "-w", har], cancellationToken);

        Assert.That(code, Is.Zero, log);
        Assert.That(MitmproxyFlowFile.ReadFlows(output).Select(f => f.Id), Is.EqualTo(flows.Select(f => f.Id)));
        Assert.That(log, Does.Contain($"Read 7 flows from {input}").And.Contain($"Wrote 7 flows to {output}"));
        Assert.That(Lines(listed), Has.Length.EqualTo(7));
        Assert.That(harCode, Is.Zero, harLog);
        Assert.That(HarFile.Read(har).ToList(), Has.Count.EqualTo(5));
        Assert.That(harLog, Does.Contain($"Wrote 5 flows to {har}; not written: 1 TCP flow the format cannot hold, 1 DNS flow the format cannot hold"));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task The_listing_shows_every_flow_the_filter_matches_unfinished_and_killed_ones_included(CancellationToken cancellationToken)
    {
        var input = Write("mixed.mitm", SaveStreamTests.MixedFlows());

        var (code, listed, log) = await RunAsync(["-n", "-r", input, "~u example.com/"], cancellationToken);

        Assert.That(code, Is.Zero, log);
        Assert.That(Lines(listed), Is.EqualTo(new[]
        {
            "127.0.0.1:50000: GET https://example.com/ok << 200 OK 4b",
            "127.0.0.1:50000: GET https://example.com/asked << (no response)",
            "127.0.0.1:50000: GET https://example.com/killed << Connection killed.",
            "127.0.0.1:50000: GET https://example.com/killed-late << 200 OK 4b",
            "127.0.0.1:50000: GET https://example.com/refused << Connection refused",
        }));
        Assert.That(log, Does.Contain($"Read 7 flows from {input}, 5 of them matching the filter ~u example.com/"));
    }

    [Test]
    [CancelAfter(300_000)]
    public async Task Json_output_of_ten_thousand_flows_parses_line_by_line_with_debug_logging_on(CancellationToken cancellationToken)
    {
        const int count = 10_000;
        var template = SaveStreamTests.MixedFlows();
        var flows = Enumerable.Range(0, count).Select(i => template[i % template.Count].Copy()).ToList();
        var input = Write("big.mitm", flows);

        var (code, output, log) = await RunAsync(["-n", "-v", "--json", "-r", input], cancellationToken);

        Assert.That(code, Is.Zero, log);
        var ids = new List<Guid>();
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            using var json = JsonDocument.Parse(line);
            ids.Add(json.RootElement.GetProperty("id").GetGuid());
        }

        Assert.That(ids, Is.EqualTo(flows.Select(f => f.Id)));
        Assert.That(log, Does.Contain("dbug:").And.Contain($"Read {count} flows from {input}"), "debug logging was on, on standard error");
    }

    private string Write(string name, IEnumerable<Flow> flows)
    {
        var path = Path.Combine(_folder, name);
        using var stream = File.Create(path);
        MitmproxyFlowFile.WriteFlows(stream, flows);
        return path;
    }

    private static string[] Lines(string output) => output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private async Task<(int Code, string Output, string Log)> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var plugins = Path.Combine(_folder, "plugins.json");
        await File.WriteAllTextAsync(plugins, $$"""{ "Addons": { "View": { "Path": {{TestPaths.Json(TestPaths.ShippedPlugin("View"))}}, "Order": 1 } } }""", cancellationToken);
        return await HostProcess.RunSeparatelyAsync(plugins, _folder, args, TimeSpan.FromSeconds(240), cancellationToken);
    }
}
