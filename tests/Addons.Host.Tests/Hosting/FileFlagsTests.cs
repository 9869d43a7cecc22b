using Addons.Abstractions.Flows;
using Addons.Host.Interop;
using Addons.Host.Tests.Infrastructure;

namespace Addons.Host.Tests.Hosting;

/// <summary>mitmdump's -r and -w with HAR, mitmproxy and session files, on the real host process.</summary>
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
        Assert.That(output, Does.Contain($"Read 3 flows from {input}, 1 of them matching the filter ~m POST & ~c 500"));
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

    [Test]
    [CancelAfter(180_000)]
    public async Task Tcp_and_dns_flows_of_a_file_are_listed_and_written_where_the_format_holds_them(CancellationToken cancellationToken)
    {
        var input = Path.Combine(_folder, "mixed.mitm");
        var tcp = new TcpFlow { Messages = [new() { FromClient = true, Content = "hello"u8.ToArray() }, new() { Content = "it's me"u8.ToArray() }] };
        tcp.Client.PeerName = new HostPort("10.0.0.1", 4000);
        tcp.Server.Address = new HostPort("db.internal", 5432);
        var dns = new DnsFlow
        {
            Request = new DnsMessage { Questions = [new DnsQuestion("dns.google")] },
            Response = new DnsMessage { Query = false, Answers = [new DnsResourceRecord("dns.google", 1, 1, 60, [8, 8, 8, 8]), new DnsResourceRecord("dns.google", 1, 1, 60, [8, 8, 4, 4])] },
        };
        dns.Client.PeerName = new HostPort("10.0.0.1", 5353);
        var http = FlowLifecycle.NewFlow("https://example.com/a");
        http.Response = new HttpResponse { StatusCode = 200, Reason = "OK", Content = "body"u8.ToArray() };
        await using (var stream = File.Create(input))
        {
            MitmproxyFlowFile.WriteFlows(stream, [tcp, dns, http]);
        }

        var (listed, listing) = await RunAsync(["-n", "-r", input], cancellationToken);
        var har = Path.Combine(_folder, "out.har");
        var (toHar, harLog) = await RunAsync(["-n", "-r", input, "-w", har], cancellationToken);
        var mitm = Path.Combine(_folder, "out.mitm");
        var (toMitm, mitmLog) = await RunAsync(["-n", "-q", "-r", input, "-w", mitm, "!~http"], cancellationToken);

        Assert.That(listed, Is.Zero, listing);
        Assert.That(listing, Does.Contain("10.0.0.1:4000 <-> tcp <-> db.internal:5432 2 messages 12b"));
        Assert.That(listing, Does.Contain("10.0.0.1:5353: DNS QUERY (A) dns.google << 8.8.8.8, 8.8.4.4"));
        Assert.That(listing, Does.Contain($"Read 3 flows from {input}"));
        Assert.That(toHar, Is.Zero, harLog);
        Assert.That(harLog, Does.Contain($"Flow file {har} does not get TCP flows: a HAR file holds HTTP flows only, and flow {tcp.Id} is a TCP flow; the other flows are still written"));
        Assert.That(HarFile.Read(har).Select(f => f.Request.Url), Is.EqualTo(new[] { "https://example.com/a" }));
        Assert.That(toMitm, Is.Zero, mitmLog);
        Assert.That(MitmproxyFlowFile.ReadFlows(mitm).Select(f => (f.Id, f.Type)), Is.EqualTo(new[] { (tcp.Id, FlowType.Tcp), (dns.Id, FlowType.Dns) }));
    }

    [Test]
    [CancelAfter(180_000)]
    public async Task A_session_file_is_either_side_of_a_conversion(CancellationToken cancellationToken)
    {
        // mitmproxy's format keeps ids, marks and comments, so the round trip through a session shows they survive.
        var input = Path.Combine(_folder, "in.mitm");
        var flows = WriteMarkedAndCommented(input);

        var session = Path.Combine(_folder, "capture.session");
        var back = Path.Combine(_folder, "back.mitm");
        var (toSession, toSessionLog) = await RunWithSessionAsync(["-n", "-q", "-r", input, "-w", session], cancellationToken);
        var (listed, listing) = await RunWithSessionAsync(["-n", "-r", session, "~c 500 | ~c 404"], cancellationToken);
        var (fromSession, fromSessionLog) = await RunWithSessionAsync(["-n", "-q", "-r", session, "-w", back], cancellationToken);

        Assert.That(toSession, Is.Zero, toSessionLog);
        Assert.That(listed, Is.Zero, listing);
        Assert.That(listing.Split('\n').Where(l => l.Contains(" << ", StringComparison.Ordinal)).Select(l => l.Trim()),
            Is.EqualTo(new[] { "POST https://example.com/b << 500 Internal Server Error 4b", "GET https://example.com/c << 404 Not Found 4b" }));
        Assert.That(fromSession, Is.Zero, fromSessionLog);
        var read = FlowFile.Read(back).ToList();
        Assert.That(read.Select(f => (f.Id, f.Request.Url, f.Response!.StatusCode, f.Marked, f.Comment)),
            Is.EqualTo(flows.Select(f => (f.Id, f.Request.Url, f.Response!.StatusCode, f.Marked, f.Comment))));
        Assert.That(read[0].Response!.Content, Is.EqualTo("body"u8.ToArray()));
    }

    [Test]
    [CancelAfter(180_000)]
    public async Task Session_files_that_cannot_be_either_side_are_named_with_the_reason(CancellationToken cancellationToken)
    {
        // A SQLite database that is no session.
        var other = Path.Combine(_folder, "other.db");
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={other};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "CREATE TABLE t (x INTEGER)";
            command.ExecuteNonQuery();
        }

        var (_, otherLog) = await RunWithSessionAsync(["-n", "-r", other], cancellationToken);
        Assert.That(otherLog, Does.Contain($"File {other} is a SQLite database but not a session"));

        // The session this host keeps is not read as a flow file too.
        var own = Path.Combine(_folder, "own.session");
        var input = WriteHar("in.har", ("GET", "https://example.com/a", 200));
        var (made, madeLog) = await RunWithSessionAsync(["-n", "-q", "-r", input, "--set", $"session_path={own}"], cancellationToken);
        Assert.That(made, Is.Zero, madeLog);
        var (_, ownLog) = await RunWithSessionAsync(["-n", "-r", own, "--set", $"session_path={own}"], cancellationToken);
        Assert.That(ownLog, Does.Contain($"Session file {own} is the session this host keeps (session_path)"));

        // An existing session is never written over.
        var before = await File.ReadAllBytesAsync(own, cancellationToken);
        var (code, existingLog) = await RunWithSessionAsync(["-n", "-r", input, "-w", own], cancellationToken);
        Assert.That(code, Is.Not.Zero);
        Assert.That(existingLog, Does.Contain($"save_stream_file: {own} cannot be written as a session file by addon 'session': Session file {own} exists already"));
        Assert.That(await File.ReadAllBytesAsync(own, cancellationToken), Is.EqualTo(before));
    }

    /// <summary>
    /// Writes three flows (GET /a 200, POST /b 500 marked, GET /c 404 with a comment) to a mitmproxy file at
    /// <paramref name="path"/> and returns them: mitmproxy's format keeps ids, marks and comments, so a conversion
    /// through another format and back shows whether they survive.
    /// </summary>
    internal static List<HttpFlow> WriteMarkedAndCommented(string path)
    {
        var flows = new[] { ("GET", "https://example.com/a", 200), ("POST", "https://example.com/b", 500), ("GET", "https://example.com/c", 404) }
            .Select(f =>
            {
                var flow = FlowLifecycle.NewFlow(f.Item2);
                flow.Request.Method = f.Item1;
                flow.Response = new HttpResponse { StatusCode = f.Item3, Reason = ReasonPhrases.For(f.Item3), Content = "body"u8.ToArray(), TimestampStart = DateTimeOffset.UtcNow, TimestampEnd = DateTimeOffset.UtcNow };
                return flow;
            }).ToList();
        flows[1].Marked = ":default:";
        flows[2].Comment = "look at this";
        using var stream = File.Create(path);
        MitmproxyFlowFile.Write(stream, flows);
        return flows;
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

    private async Task<(int Code, string Output)> RunWithSessionAsync(string[] args, CancellationToken cancellationToken)
    {
        var plugins = Path.Combine(_folder, "plugins-with-session.json");
        await File.WriteAllTextAsync(plugins, $$"""
            { "Addons": {
                "View": { "Path": {{TestPaths.Json(TestPaths.ShippedPlugin("View"))}}, "Order": 1 },
                "Session": { "Path": {{TestPaths.Json(TestPaths.ShippedPlugin("Session"))}}, "Order": 2 } } }
            """, cancellationToken);
        return await HostProcess.RunAsync(plugins, _folder, args, TimeSpan.FromSeconds(60), cancellationToken);
    }

    private async Task<(int Code, string Output)> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var plugins = Path.Combine(_folder, "plugins.json");
        await File.WriteAllTextAsync(plugins, $$"""{ "Addons": { "View": { "Path": {{TestPaths.Json(TestPaths.ShippedPlugin("View"))}}, "Order": 1 } } }""", cancellationToken);
        return await HostProcess.RunAsync(plugins, _folder, args, TimeSpan.FromSeconds(60), cancellationToken);
    }
}
