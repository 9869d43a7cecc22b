using System.Text;
using System.Text.Json;
using Addons.Abstractions.Commands;
using Addons.Abstractions.Flows;
using Addons.Host.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace Addons.Host.Tests.Hosting;

/// <summary>
/// Issue 6 end to end: the shipped StreamTester puts duplicates through the real chain (View, Session), and what the
/// Session wrote is compared with what was offered.
/// </summary>
public sealed class StreamTesterTests
{
    private string _folder = null!;

    [SetUp]
    public void SetUp() => _folder = Directory.CreateTempSubdirectory("addons-streamtester-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_folder, recursive: true);

    private string SessionPath => Path.Combine(_folder, "session.sqlite");

    private string Output => Path.Combine(_folder, "results");

    [Test]
    [CancelAfter(120_000)]
    public async Task A_stream_keeps_its_rate_loosely_and_every_flow_is_persisted_once(CancellationToken cancellationToken)
    {
        JsonElement result;
        long viewLength;
        await using (var host = await StartAsync())
        {
            var started = (string)(await host.ExecuteAsync("streamtester.start", "rate=2000", "duration=1s", $"output={Output}"))!;
            Assert.That(started, Does.StartWith("Stream started: 2,000 flows/s for 1s"));

            result = await ResultAsync(cancellationToken);
            viewLength = Convert.ToInt64(await host.ExecuteAsync("view.properties.length"), System.Globalization.CultureInfo.InvariantCulture);
            var status = (string)(await host.ExecuteAsync("streamtester.status"))!;
            Assert.That(status, Does.StartWith("Stream finished"));
        }

        var offered = result.GetProperty("offered").GetInt64();
        Assert.Multiple(() =>
        {
            Assert.That(offered, Is.InRange(1000, 3000), "2,000 flows/s for a second, measured loosely");
            Assert.That(result.GetProperty("persisted").GetInt64(), Is.EqualTo(offered));
            Assert.That(result.GetProperty("not_persisted").GetInt64(), Is.Zero);
            Assert.That(result.GetProperty("persisted_twice").GetInt64(), Is.Zero);
            Assert.That(result.GetProperty("latency_ms").GetProperty("count").GetInt64(), Is.EqualTo(offered));
            Assert.That(viewLength, Is.EqualTo(offered), "the View added each duplicate at requestheaders");
        });
        Assert.That(StoredIds(), Has.Count.EqualTo(offered).And.Unique, "the session file holds each flow once");
        Assert.That(Directory.GetFiles(Output).Select(Path.GetExtension).Order(), Is.EqualTo(new[] { ".csv", ".json", ".svg" }));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task A_graceful_stop_mid_stream_persists_every_published_flow_exactly_once(CancellationToken cancellationToken)
    {
        await using (var host = await StartAsync())
        {
            await host.ExecuteAsync("streamtester.start", "rate=5000", "duration=0", "producers=2", $"output={Output}");
            await Task.Delay(700, cancellationToken);

            // The host stops while the stream runs: the stream tester's done stops it, and the Session's done, after
            // it, writes what is queued.
        }

        var result = await ResultAsync(cancellationToken);
        var offered = result.GetProperty("offered").GetInt64();
        Assert.That(offered, Is.GreaterThan(0));
        Assert.That(result.GetProperty("persisted").GetInt64(), Is.EqualTo(offered));
        Assert.That(StoredIds(), Has.Count.EqualTo(offered).And.Unique);
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Without_an_output_folder_the_results_go_to_streamtester_in_the_confdir(CancellationToken cancellationToken)
    {
        // The host's data folder, read through the contract's options: a temporary one here, ~/.addons for a user.
        var confdir = Path.Combine(_folder, "conf");
        var expected = Path.Combine(confdir, "streamtester");
        await using var host = await StartAsync("--set", $"confdir={confdir}");

        await host.ExecuteAsync("streamtester.start", "rate=max", "count=20", "duration=0");
        await ResultAsync(expected, cancellationToken);

        var files = Directory.GetFiles(expected).Order().ToList();
        Assert.That(files.Select(Path.GetExtension), Is.EqualTo(new[] { ".csv", ".json", ".svg" }));
        Assert.That(host.Logs.Lines.Select(l => l.Message), Has.Some.StartsWith($"Stream results: {Path.Combine(expected, "streamtester-")}").And.Contains(".json"),
            "the log says where the files went");
    }

    [Test]
    public async Task A_captured_flow_chosen_by_id_is_the_unit_of_the_stream()
    {
        await using (var host = await StartAsync())
        {
            await host.ExecuteAsync("view.flows.create", "POST", "https://api.example.com/orders?id=7");
            var unit = ((IReadOnlyList<Flow>)(await host.ExecuteAsync("view.flows.resolve", "@all"))!).Single();

            await host.ExecuteAsync("streamtester.start", $"unit=@{unit.Id}", "rate=max", "count=50", "duration=0", $"output={Output}");
            await ResultAsync(CancellationToken.None);
            Assert.That(await host.ExecuteAsync("view.properties.length"), Is.EqualTo(51));
        }

        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*), count(DISTINCT id), min(url), max(url), min(method) FROM flow";
        using var reader = command.ExecuteReader();
        reader.Read();
        Assert.That(reader.GetInt64(0), Is.EqualTo(50));
        Assert.That(reader.GetInt64(1), Is.EqualTo(50));
        Assert.That(reader.GetString(2), Is.EqualTo("https://api.example.com/orders?id=7"));
        Assert.That(reader.GetString(3), Is.EqualTo("https://api.example.com/orders?id=7"));
        Assert.That(reader.GetString(4), Is.EqualTo("POST"));
    }

    [Test]
    public async Task An_entry_of_a_HAR_file_is_the_unit_of_the_stream()
    {
        var har = Path.Combine(_folder, "capture.har");
        await File.WriteAllTextAsync(har, """
            { "log": { "entries": [
              { "startedDateTime": "2026-11-26T10:00:00Z", "request": { "method": "GET", "url": "https://example.com/", "headers": [] }, "response": { "status": 200, "headers": [], "content": { "text": "hi" } } },
              { "startedDateTime": "2026-11-26T10:00:01Z", "request": { "method": "DELETE", "url": "https://example.com/items/9", "headers": [] }, "response": { "status": 204, "headers": [], "content": {} } } ] } }
            """);
        await using (var host = await StartAsync())
        {
            var started = (string)(await host.ExecuteAsync("streamtester.start", $"file={har}", "unit=~m DELETE", "rate=max", "count=20", "duration=0", $"output={Output}"))!;
            Assert.That(started, Does.EndWith($"duplicating the first flow matching '~m DELETE' of {har}."));
            await ResultAsync(CancellationToken.None);
        }

        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*), min(url), max(status) FROM flow";
        using var reader = command.ExecuteReader();
        reader.Read();
        Assert.That((reader.GetInt64(0), reader.GetString(1), reader.GetInt64(2)), Is.EqualTo((20L, "https://example.com/items/9", 204L)));
    }

    [TestCase("file=/nonexistent/capture.har", "No stream was started: Flow file /nonexistent/capture.har cannot be read: ")]
    [TestCase("rate=0", "No stream was started: rate must be a positive number of flows per second or max, not 0.")]
    [TestCase("rate=-10", "No stream was started: rate must be a positive number of flows per second or max, not -10.")]
    [TestCase("body_size=20000000", "No stream was started: body_size must be from 0 to 16,777,216 bytes (16 MiB), not 20,000,000.")]
    [TestCase("unit=~u no-such-flow", "No stream was started: unknown unit flow '~u no-such-flow': no HTTP flow of the View matches it.")]
    [TestCase("unit=~q ~q (", "No stream was started: unit flow '~q ~q (': ")]
    public async Task Bad_input_starts_nothing_and_says_why(string argument, string message)
    {
        await using var host = await StartAsync();

        var error = Assert.ThrowsAsync<CommandException>(async () => await host.ExecuteAsync("streamtester.start", argument, $"output={Output}"));

        Assert.That(error!.Message, Does.StartWith(message));
        Assert.That(await host.ExecuteAsync("streamtester.status"), Is.EqualTo("No stream has been started."));
        Assert.That(Directory.Exists(Output), Is.False);
    }

    [Test]
    public async Task A_bad_option_in_plugins_json_is_refused_at_start_with_its_name()
    {
        var error = Assert.ThrowsAsync<AddonHostException>(async () => await StartAsync("--set", "streamtester_rate=0"));

        Assert.That(error!.Message, Does.Contain("streamtester: rate must be a positive number of flows per second or max, not 0."));
    }

    [Test]
    [CancelAfter(180_000)]
    public async Task Headless_the_host_runs_one_stream_prints_the_summary_and_exits(CancellationToken cancellationToken)
    {
        var plugins = Path.Combine(_folder, "plugins.json");
        await File.WriteAllTextAsync(plugins, PluginsJson(), cancellationToken);
        var (code, log) = await HostProcess.RunAsync(plugins, _folder,
        [
            "--set", "listen_port=0", "--set", $"session_path={SessionPath}",
            "--set", "streamtester_autostart=true", "--set", "streamtester_exit=true", "--set", "streamtester_duration=1s",
            "--set", "streamtester_rate=1000", "--set", $"streamtester_output={Output}", "--set", "flow_detail=0",
        ], TimeSpan.FromSeconds(90), cancellationToken);

        Assert.That(code, Is.Zero, log);
        Assert.That(log, Does.Contain("Stream summary:").And.Contain("| persisted |").And.Contain("Stream results: "));
        Assert.That(log, Does.Contain("Done: 10 addon(s) stopped"));
        var result = await ResultAsync(cancellationToken);
        Assert.That(StoredIds(), Has.Count.EqualTo(result.GetProperty("offered").GetInt64()));
    }

    private Task<TestHost> StartAsync(params string[] args) =>
        TestHost.StartWithFileAsync(PluginsJson(), ["--set", $"session_path={SessionPath}", "--set", "session_flush_ms=50", .. args]);

    private static string PluginsJson() => $$"""
        { "Addons": {
            "View": { "Path": {{TestPaths.Json(TestPaths.ShippedPlugin("View"))}}, "Order": 100 },
            "Session": { "Path": {{TestPaths.Json(TestPaths.ShippedPlugin("Session"))}}, "Order": 200 },
            "StreamTester": { "Path": {{TestPaths.Json(TestPaths.ShippedPlugin("StreamTester"))}}, "Order": 300 } } }
        """;

    /// <summary>The JSON result file of the (only) stream, once it is written.</summary>
    private Task<JsonElement> ResultAsync(CancellationToken cancellationToken) => ResultAsync(Output, cancellationToken);

    private static async Task<JsonElement> ResultAsync(string output, CancellationToken cancellationToken)
    {
        for (var i = 0; i < 600; i++)
        {
            if (Directory.Exists(output) && Directory.GetFiles(output, "*.svg").Length == 1)
            {
                var json = Directory.GetFiles(output, "*.json").Single();
                using var document = JsonDocument.Parse(await File.ReadAllTextAsync(json, Encoding.UTF8, cancellationToken));
                return document.RootElement.Clone();
            }

            await Task.Delay(100, cancellationToken);
        }

        Assert.Fail($"No result files appeared in {output}.");
        return default;
    }

    private List<Guid> StoredIds()
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id FROM flow";
        using var reader = command.ExecuteReader();
        var ids = new List<Guid>();
        while (reader.Read())
        {
            ids.Add(new Guid((byte[])reader.GetValue(0), bigEndian: true));
        }

        return ids;
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = SessionPath, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }
}
