using Addons.Abstractions.Flows;
using Addons.Abstractions.Interop;
using Addons.Host.Tests.Infrastructure;

namespace Addons.Host.Tests.Hosting;

/// <summary>mitmdump's -r and -w with HAR files, on the real host process.</summary>
public sealed class FileFlagsTests
{
    private string _folder = null!;

    [SetUp]
    public void SetUp() => _folder = Directory.CreateTempSubdirectory("addons-files-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_folder, recursive: true);

    [Test]
    [CancelAfter(120_000)]
    public async Task No_server_read_file_and_a_filter_list_the_matching_flows_and_exit(CancellationToken cancellationToken)
    {
        var input = WriteHar("in.har", ("GET", "https://example.com/a", 200), ("POST", "https://example.com/orders", 500), ("POST", "https://example.com/ok", 201));

        var (code, output) = await RunAsync(["-n", "-r", input, "~m POST & ~c 500"], cancellationToken);

        Assert.That(code, Is.Zero, output);
        var flows = output.Split('\n').Where(l => l.Contains(" << ", StringComparison.Ordinal)).Select(l => l.Trim()).ToList();
        Assert.That(flows, Is.EqualTo(new[] { "POST https://example.com/orders << 500 Internal Server Error 4b" }));
        Assert.That(output, Does.Contain($"Read 1 flows from {input}"));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Read_file_and_write_file_convert_with_the_filter(CancellationToken cancellationToken)
    {
        var input = WriteHar("in.har", ("GET", "https://example.com/a", 200), ("POST", "https://example.com/b", 201), ("GET", "https://example.com/c", 404));
        var output = Path.Combine(_folder, "out.har");

        var (code, log) = await RunAsync(["-n", "-q", "-r", input, "-w", output, "~m GET"], cancellationToken);

        Assert.That(code, Is.Zero, log);
        var written = HarFile.Read(output).ToList();
        Assert.That(written.Select(f => (f.Request.Url, f.Response!.StatusCode)), Is.EqualTo(new[] { ("https://example.com/a", 200), ("https://example.com/c", 404) }));
        Assert.That(written[0].Response!.Content, Is.EqualTo("body"u8.ToArray()));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task A_missing_input_or_an_existing_output_refuses_to_start_and_names_the_file(CancellationToken cancellationToken)
    {
        var missing = Path.Combine(_folder, "missing.har");
        var existing = WriteHar("exists.har", ("GET", "https://example.com/a", 200));
        var before = await File.ReadAllBytesAsync(existing, cancellationToken);

        var (readCode, readLog) = await RunAsync(["-n", "-r", missing], cancellationToken);
        var (writeCode, writeLog) = await RunAsync(["-n", "-w", existing], cancellationToken);

        Assert.That(readCode, Is.Not.Zero);
        Assert.That(readLog, Does.Contain($"rfile: flow file {missing} does not exist."));
        Assert.That(writeCode, Is.Not.Zero);
        Assert.That(writeLog, Does.Contain($"save_stream_file: {existing} cannot be created"));
        Assert.That(await File.ReadAllBytesAsync(existing, cancellationToken), Is.EqualTo(before), "never overwritten");
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task A_file_read_with_the_Session_loaded_becomes_a_session_file(CancellationToken cancellationToken)
    {
        var input = WriteHar("in.har", ("GET", "https://example.com/a", 200), ("POST", "https://example.com/b", 201));
        var session = Path.Combine(_folder, "out.session");
        var plugins = Path.Combine(_folder, "plugins-session.json");
        await File.WriteAllTextAsync(plugins, $$"""
            { "Addons": {
                "View": { "Path": {{TestPaths.Json(TestPaths.ShippedPlugin("View"))}}, "Order": 1 },
                "Session": { "Path": {{TestPaths.Json(TestPaths.ShippedPlugin("Session"))}}, "Order": 2 } } }
            """, cancellationToken);

        var (code, log) = await HostProcess.RunAsync(plugins, _folder, ["-n", "-q", "-r", input, "--set", $"session_path={session}"], TimeSpan.FromSeconds(60), cancellationToken);

        Assert.That(code, Is.Zero, log);
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={session};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT url, method, status FROM flow ORDER BY seq";
        using var reader = command.ExecuteReader();
        var rows = new List<(string, string, long)>();
        while (reader.Read())
        {
            rows.Add((reader.GetString(0), reader.GetString(1), reader.GetInt64(2)));
        }

        Assert.That(rows, Is.EqualTo(new[] { ("https://example.com/a", "GET", 200L), ("https://example.com/b", "POST", 201L) }));
    }

    private string WriteHar(string name, params (string Method, string Url, int Status)[] flows)
    {
        var path = Path.Combine(_folder, name);
        using var stream = File.Create(path);
        HarFile.Write(stream, flows.Select(f =>
        {
            var flow = FlowLifecycle.NewFlow(f.Url);
            flow.Request.Method = f.Method;
            flow.Response = new HttpResponse { StatusCode = f.Status, Reason = ReasonPhrases.For(f.Status), Content = "body"u8.ToArray(), TimestampStart = DateTimeOffset.UtcNow, TimestampEnd = DateTimeOffset.UtcNow };
            return flow;
        }));
        return path;
    }

    private async Task<(int Code, string Output)> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var plugins = Path.Combine(_folder, "plugins.json");
        await File.WriteAllTextAsync(plugins, $$"""{ "Addons": { "View": { "Path": {{TestPaths.Json(TestPaths.ShippedPlugin("View"))}}, "Order": 1 } } }""", cancellationToken);
        return await HostProcess.RunAsync(plugins, _folder, args, TimeSpan.FromSeconds(60), cancellationToken);
    }
}
