using System.Text.Json;
using Addons.Abstractions.Flows;
using Addons.Host.Chain;
using Addons.Host.Dump;
using Addons.Host.Proxy;
using Addons.Host.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Addons.Host.Tests.Hosting;

/// <summary>mitmdump's output (the built-in dump addon) and -n.</summary>
public sealed class DumpTests
{
    [Test]
    public async Task A_line_per_completed_flow_as_mitmdump_prints_it()
    {
        await using var host = await StartAsync();
        var output = Capture(host);

        await Inject(host, Flow("https://example.com/a?x=1", 200, "OK", 1234));
        await Inject(host, Flow("http://example.com:8080/b", 404, "Not Found", 10));
        var failed = Flow("https://example.com/c", 0, "", 0);
        failed.Error = new FlowError("Connection refused", DateTimeOffset.UtcNow);
        await Inject(host, failed);
        var replayed = Flow("https://example.com/d", 200, "OK", 2);
        replayed.IsReplay = ReplayKind.Request;
        await Inject(host, replayed);
        await host.StopAsync();

        Assert.That(Lines(output), Is.EqualTo(new[]
        {
            "127.0.0.1:50000: GET https://example.com/a?x=1 << 200 OK 1.2k",
            "127.0.0.1:50000: GET http://example.com:8080/b << 404 Not Found 10b",
            "127.0.0.1:50000: GET https://example.com/c << Connection refused",
            "[replay]: GET https://example.com/d << 200 OK 2b",
        }), "a replayed request is marked where the client would be, as mitmdump marks it");
    }

    [Test]
    public async Task The_filter_chooses_the_flows_and_json_prints_one_object_each_with_its_id()
    {
        await using var host = await StartAsync("--set", "dumper_filter=~c 500", "--set", "dump_json=true");
        var output = Capture(host);
        var wanted = Flow("https://example.com/fail", 500, "Internal Server Error", 5);

        await Inject(host, Flow("https://example.com/ok", 200, "OK", 5));
        await Inject(host, wanted);
        await host.StopAsync();

        var line = Lines(output).Single();
        using var json = JsonDocument.Parse(line);
        Assert.That(json.RootElement.GetProperty("id").GetGuid(), Is.EqualTo(wanted.Id));
        Assert.That(json.RootElement.GetProperty("url").GetString(), Is.EqualTo("https://example.com/fail"));
        Assert.That(json.RootElement.GetProperty("status_code").GetInt32(), Is.EqualTo(500));
        Assert.That(json.RootElement.GetProperty("response_size").GetInt32(), Is.EqualTo(5));
    }

    [Test]
    public void Tcp_udp_and_dns_flows_get_a_line_and_a_json_object_of_their_own()
    {
        var tcp = new TcpFlow { Messages = [new() { FromClient = true, Content = "hello"u8.ToArray() }], Error = new FlowError("reset", DateTimeOffset.UtcNow) };
        tcp.Client.PeerName = new HostPort("::1", 4000);
        tcp.Server.Address = new HostPort("db.internal", 5432);
        var dns = new DnsFlow
        {
            Request = new DnsMessage { Questions = [new DnsQuestion("example.com", 28)] },
            Response = new DnsMessage { Query = false, Answers = [new DnsResourceRecord("example.com", 28, 1, 60, System.Net.IPAddress.Parse("2001:db8::1").GetAddressBytes())] },
        };
        dns.Client.PeerName = new HostPort("10.0.0.1", 5353);
        var unanswered = new DnsFlow { Request = new DnsMessage { Questions = [new DnsQuestion("nowhere.example")] }, Error = new FlowError("timed out", DateTimeOffset.UtcNow) };
        unanswered.Client.PeerName = new HostPort("10.0.0.1", 5354);

        Assert.That(DumpAddon.Line(tcp), Is.EqualTo("[::1]:4000 <-> tcp <-> db.internal:5432 1 message 5b << reset"));
        Assert.That(DumpAddon.Line(dns), Is.EqualTo("10.0.0.1:5353: DNS QUERY (AAAA) example.com << 2001:db8::1"));
        Assert.That(DumpAddon.Line(unanswered), Is.EqualTo("10.0.0.1:5354: DNS QUERY (A) nowhere.example << timed out"));

        using var tcpJson = JsonDocument.Parse(DumpAddon.Json(tcp));
        using var dnsJson = JsonDocument.Parse(DumpAddon.Json(dns));
        Assert.That(
            (tcpJson.RootElement.GetProperty("type").GetString(), tcpJson.RootElement.GetProperty("server").GetString(), tcpJson.RootElement.GetProperty("messages").GetInt32(), tcpJson.RootElement.GetProperty("error").GetString()),
            Is.EqualTo(("tcp", "db.internal:5432", 1, "reset")));
        Assert.That(
            (dnsJson.RootElement.GetProperty("type").GetString(), dnsJson.RootElement.GetProperty("name").GetString(), dnsJson.RootElement.GetProperty("query_type").GetString(), dnsJson.RootElement.GetProperty("answers")[0].GetString()),
            Is.EqualTo(("dns", "example.com", "AAAA", "2001:db8::1")));
    }

    [Test]
    public async Task Flows_a_file_holds_without_a_response_and_killed_flows_are_listed_once_each()
    {
        await using var host = await StartAsync();
        var output = Capture(host);
        var killed = Flow("https://example.com/killed", 0, "", 0);
        killed.Error = new FlowError(FlowError.KilledMessage, DateTimeOffset.UtcNow);
        var killedAfterResponse = Flow("https://example.com/killed-late", 200, "OK", 3);
        killedAfterResponse.Error = new FlowError(FlowError.KilledMessage, DateTimeOffset.UtcNow);

        await Inject(host, Flow("https://example.com/asked", 0, "", 0));
        await Inject(host, killed);
        await Inject(host, killedAfterResponse);
        await host.StopAsync();

        Assert.That(Lines(output), Is.EqualTo(new[]
        {
            "127.0.0.1:50000: GET https://example.com/asked << (no response)",
            "127.0.0.1:50000: GET https://example.com/killed << Connection killed.",
            "127.0.0.1:50000: GET https://example.com/killed-late << 200 OK 3b",
        }));
    }

    [Test]
    public async Task Json_says_a_flow_has_no_response()
    {
        await using var host = await StartAsync("--set", "dump_json=true");
        var output = Capture(host);
        var asked = Flow("https://example.com/asked", 0, "", 0);

        await Inject(host, asked);
        await host.StopAsync();

        using var json = JsonDocument.Parse(Lines(output).Single());
        Assert.That(json.RootElement.GetProperty("id").GetGuid(), Is.EqualTo(asked.Id));
        Assert.That(json.RootElement.GetProperty("no_response").GetBoolean(), Is.True);
        Assert.That(json.RootElement.TryGetProperty("status_code", out _), Is.False);
    }

    [Test]
    public async Task A_dns_query_a_file_holds_without_an_answer_is_listed()
    {
        await using var host = await StartAsync();
        var output = Capture(host);
        var query = new DnsFlow { Request = new DnsMessage { Questions = [new DnsQuestion("example.com")] } };
        query.Client.PeerName = new HostPort("10.0.0.1", 5353);

        await host.Services.GetRequiredService<FlowInjector>().InjectAsync(query);
        await host.StopAsync();

        Assert.That(Lines(output), Is.EqualTo(new[] { "10.0.0.1:5353: DNS QUERY (A) example.com << (no response)" }));
    }

    [Test]
    public async Task A_blank_filter_option_is_no_filter()
    {
        await using var host = await StartAsync("--set", "dumper_filter= ");
        var output = Capture(host);

        await Inject(host, Flow("https://example.com/a", 200, "OK", 1));
        await host.StopAsync();

        Assert.That(Lines(output), Has.Length.EqualTo(1));
    }

    [Test]
    public async Task Flow_detail_0_prints_nothing()
    {
        await using var host = await StartAsync("--set", "flow_detail=0");
        var output = Capture(host);

        await Inject(host, Flow("https://example.com/a", 200, "OK", 1));
        await host.StopAsync();

        Assert.That(output.ToString(), Is.Empty);
    }

    [TestCase("dumper_filter=~c", "dumper_filter: ")]
    [TestCase("flow_detail=3", "flow_detail must be 0 (no flow output) or 1 (a line per flow), not 3; headers and bodies (mitmdump's 2 to 4) are not printed.")]
    public void Bad_options_refuse_the_start_with_a_sentence(string set, string message)
    {
        var error = Assert.ThrowsAsync<AddonHostException>(async () => await StartAsync("--set", set));

        Assert.That(error!.Message, Does.Contain(message));
    }

    [TestCase("save_stream_file", "save_stream_file takes effect at start; restart the host to write to another file.")]
    [TestCase("rfile", "rfile is read once the host runs; restart the host (or use view.flows.load) to read another file.")]
    public async Task The_files_cannot_change_while_the_host_runs(string option, string message)
    {
        await using var host = await StartAsync();

        var error = Assert.ThrowsAsync<Addons.Abstractions.Options.OptionsException>(async () =>
            await host.Options.SetAsync(new Dictionary<string, string> { [option] = Path.Combine(Path.GetTempPath(), "x.mitm") }));

        Assert.That(error!.Message, Does.Contain(message));
    }

    [Test]
    public async Task No_server_starts_the_addons_without_listening()
    {
        await using var host = await StartAsync("--set", "server=false");
        var server = host.Services.GetRequiredService<ProxyServer>();

        await server.StartAsync(CancellationToken.None);

        Assert.That(server.EndPoint, Is.Null);
        Assert.That(host.Logs.Lines.Select(l => l.Message), Has.Some.StartsWith("The proxy does not listen (server is false, -n)"));
        await server.StopAsync(CancellationToken.None);
    }

    private static Task<TestHost> StartAsync(params string[] args) =>
        TestHost.StartAsync([TestHost.Entry("Recorder", TestPaths.TestPlugin("Recorder"), 1)], ["--set", "flow_detail=1", .. args]);

    private static StringWriter Capture(TestHost host)
    {
        var output = new StringWriter();
        host.Services.GetRequiredService<DumpAddon>().Output = output;
        return output;
    }

    private static async Task Inject(TestHost host, HttpFlow flow) => await host.Services.GetRequiredService<FlowInjector>().InjectAsync(flow);

    private static string[] Lines(StringWriter output) => output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static HttpFlow Flow(string url, int status, string reason, int size)
    {
        var flow = FlowLifecycle.NewFlow(url);
        flow.Client.PeerName = new HostPort("127.0.0.1", 50000);
        if (status > 0)
        {
            flow.Response = new HttpResponse { StatusCode = status, Reason = reason, Content = new byte[size] };
        }

        return flow;
    }
}
