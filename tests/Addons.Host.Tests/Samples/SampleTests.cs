using System.Net;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Addons.Host.Filters;
using Addons.Host.Tests.Infrastructure;

namespace Addons.Host.Tests.Samples;

/// <summary>
/// The samples of samples/, as an author meets them: each copied out of the repository, built against the packed
/// contract alone, loaded by the real host from a plugins.json, and judged by what a client of its proxy sees.
/// </summary>
public sealed partial class SampleTests
{
    // Each sample's projects, by folder: most are one project named after the folder.
    private static readonly string[] Projects =
    [
        "Hello/Hello.csproj", "HeaderSetter/HeaderSetter.csproj", "Blocker/Blocker.csproj", "FlowLog/FlowLog.csproj",
        "PrivateDependency/PrivateDependency.csproj", "Timings/Timer/Timer.csproj", "Timings/Collector/Collector.csproj",
        "FleetSync/FleetSync/FleetSync.csproj",
    ];
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(60);

    private AuthorFolder _author = null!;
    private KestrelOrigin _origin = null!;

    /// <summary>
    /// Copies every sample out and publishes them with one <c>dotnet publish</c> of a solution naming them: one restore
    /// and one MSBuild for all, each project still built from its own csproj as an author's is.
    /// </summary>
    [OneTimeSetUp]
    public async Task CopyOutAndPublishTheSamples()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        _author = await AuthorFolder.CreateAsync("addons-samples-", timeout.Token);
        var solution = new StringBuilder("<Solution>\n");
        foreach (var sample in Projects.Select(p => p.Split('/')[0]).Distinct())
        {
            _author.CopySample(sample);
        }

        foreach (var project in Projects)
        {
            solution.Append(System.Globalization.CultureInfo.InvariantCulture, $"  <Project Path=\"{project}\" />\n");
        }

        await File.WriteAllTextAsync(Path.Combine(_author.Folder, "samples.slnx"), solution.Append("</Solution>\n").ToString(), timeout.Token);
        await _author.DotnetAsync(_author.Folder, timeout.Token, "publish", "samples.slnx", "-c", "Release");
        _origin = await KestrelOrigin.StartAsync(_author.Folder);
    }

    [OneTimeTearDown]
    public async Task DeleteTheCopies()
    {
        if (_origin is not null)
        {
            await _origin.DisposeAsync();
        }

        _author?.Dispose();
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Hello_counts_the_responses_in_a_header_of_each(CancellationToken cancellationToken)
    {
        await using var host = await StartAsync(new() { ["Hello"] = new { Path = Published("Hello") } }, cancellationToken);
        using var client = ClientOf(host);

        using var first = await client.GetAsync(_origin.Http("/hello"), cancellationToken);
        using var second = await client.GetAsync(_origin.Http("/hello"), cancellationToken);

        Assert.That(await second.Content.ReadAsStringAsync(cancellationToken), Is.EqualTo("hello"));
        Assert.That((Header(first, "X-Hello-Count"), Header(second, "X-Hello-Count")), Is.EqualTo(("1", "2")), host.Log);
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task HeaderSetter_sets_its_headers_on_the_requests_the_server_gets(CancellationToken cancellationToken)
    {
        var options = new Dictionary<string, object> { ["set_headers"] = new[] { "X-Team: blue", "X-Trace:  on " } };
        await using var host = await StartAsync(new() { ["HeaderSetter"] = new { Path = Published("HeaderSetter"), Options = options } }, cancellationToken);
        using var client = ClientOf(host);

        var seen = (await client.GetStringAsync(_origin.Http("/headers"), cancellationToken)).Split('\n');

        Assert.That(seen, Does.Contain("X-Team: blue").And.Contain("X-Trace: on"), host.Log);
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task HeaderSetter_sets_them_on_responses_with_set_headers_on_response(CancellationToken cancellationToken)
    {
        var options = new Dictionary<string, object> { ["set_headers"] = new[] { "X-Team: blue" }, ["set_headers_on"] = "response" };
        await using var host = await StartAsync(new() { ["HeaderSetter"] = new { Path = Published("HeaderSetter"), Options = options } }, cancellationToken);
        using var client = ClientOf(host);

        using var response = await client.GetAsync(_origin.Http("/headers"), cancellationToken);

        Assert.That(Header(response, "X-Team"), Is.EqualTo("blue"), host.Log);
        Assert.That(await response.Content.ReadAsStringAsync(cancellationToken), Does.Not.Contain("X-Team"), "the server did not get it");
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task HeaderSetter_refuses_an_entry_that_is_not_a_header_in_one_sentence(CancellationToken cancellationToken)
    {
        var (code, log) = await RefusedAsync(new() { ["HeaderSetter"] = new { Path = Published("HeaderSetter") } }, ["--set", "set_headers=X-Team blue"], cancellationToken);

        Assert.That(code, Is.EqualTo(1), log);
        Assert.That(log, Does.Contain("Addon 'headersetter' rejected the options: set_headers: \"X-Team blue\" is not a header as \"Name: value\", such as \"X-Team: blue\"."));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Blocker_answers_matching_requests_itself_and_lets_the_others_through(CancellationToken cancellationToken)
    {
        var options = new Dictionary<string, object> { ["block_filter"] = "~m POST & ~u /echo", ["block_status"] = 451 };
        await using var host = await StartAsync(new() { ["Blocker"] = new { Path = Published("Blocker"), Options = options } }, cancellationToken);
        using var client = ClientOf(host);

        using var passed = await client.GetAsync(_origin.Http("/hello"), cancellationToken);
        using var blocked = await client.PostAsync(_origin.Http("/echo"), new StringContent("secret"), cancellationToken);

        Assert.That((passed.StatusCode, await passed.Content.ReadAsStringAsync(cancellationToken)), Is.EqualTo((HttpStatusCode.OK, "hello")));
        // The origin would have echoed "POST length=6 secret": the answer is the proxy's own.
        Assert.That((blocked.StatusCode, await blocked.Content.ReadAsStringAsync(cancellationToken)),
            Is.EqualTo(((HttpStatusCode)451, $"Blocked by the proxy: {_origin.Http("/echo")} matches block_filter.\n")), host.Log);
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Blocker_refuses_a_filter_that_does_not_parse_with_the_parser_sentence(CancellationToken cancellationToken)
    {
        var (code, log) = await RefusedAsync(new() { ["Blocker"] = new { Path = Published("Blocker") } }, ["--set", "block_filter=(~m POST"], cancellationToken);

        Assert.That(FlowFilter.TryParse("(~m POST", out _, out var error), Is.False);
        Assert.That(code, Is.EqualTo(1), log);
        Assert.That(log, Does.Contain($"Addon 'blocker' rejected the options: block_filter: {error!.Message.TrimEnd('.')}."));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task FlowLog_follows_the_View_and_the_Session_and_answers_flowlog_recent_from_outside(CancellationToken cancellationToken)
    {
        var addons = new Dictionary<string, object>
        {
            ["View"] = new { Path = TestPaths.ShippedPlugin("View"), Order = 100 },
            ["Session"] = new { Path = TestPaths.ShippedPlugin("Session"), Order = 200, Options = new { session_path = Path.Combine(RunFolder(), "flows.session") } },
            ["FlowLog"] = new { Path = Published("FlowLog"), Order = 300 },
        };
        await using var host = await StartAsync(addons, cancellationToken);
        using var client = ClientOf(host);
        foreach (var path in new[] { "/hello", "/conn", "/big/10" })
        {
            using var response = await client.GetAsync(_origin.Http(path), cancellationToken);
        }

        // The Session writes within session_flush_ms (200 ms): ask until its FlowsPersisted has come, for at most 30 s.
        string[] expected = [$"200 {_origin.Http("/conn")} persisted", $"200 {_origin.Http("/big/10")} persisted"];
        var deadline = DateTime.UtcNow.AddSeconds(30);
        var recent = await CommandAsync(["flowlog.recent", "2"], cancellationToken);
        while (recent.Code == 0 && !recent.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).SequenceEqual(expected) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200, cancellationToken);
            recent = await CommandAsync(["flowlog.recent", "2"], cancellationToken);
        }

        Assert.That(recent.Code, Is.Zero, recent.Log + host.Log);
        Assert.That(recent.Output, Is.EqualTo(string.Join('\n', expected) + "\n"), host.Log);
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task PrivateDependency_gets_its_Newtonsoft_Json_12_beside_a_plugin_that_gets_13(CancellationToken cancellationToken)
    {
        var published = Published("PrivateDependency");
        Assert.That(AssemblyName.GetAssemblyName(Path.Combine(Path.GetDirectoryName(published)!, "Newtonsoft.Json.dll")).Version!.Major, Is.EqualTo(12), "it ships its own copy");
        var addons = new Dictionary<string, object>
        {
            ["JsonV13"] = new { Path = TestPaths.TestPlugin("JsonV13"), Order = 1 },
            ["PrivateDependency"] = new { Path = published, Order = 2 },
        };
        await using var host = await StartAsync(addons, cancellationToken);
        using var client = ClientOf(host);

        var other = await CommandAsync(["jsonv13.version"], cancellationToken);
        using var response = await client.GetAsync(_origin.Http("/hello"), cancellationToken);

        Assert.That(other, Is.EqualTo((0, "13.0.0.0\n", "")), "the other plugin loaded Newtonsoft.Json 13 first");
        Assert.That(Header(response, "X-Newtonsoft-Json-Version"), Is.EqualTo("12.0.0.0"), host.Log);
        Assert.That(Header(response, "X-Request-Json"), Is.EqualTo("""{"Method":"GET","Path":"/hello"}"""));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Timer_and_Collector_exchange_their_own_message_type_through_Shares(CancellationToken cancellationToken)
    {
        var shares = new[] { "Timings.Messages" };
        var addons = new Dictionary<string, object>
        {
            ["Timer"] = new { Path = Published("Timings/Timer", "Timer"), Order = 1, Shares = shares },
            ["Collector"] = new { Path = Published("Timings/Collector", "Collector"), Order = 2, Shares = shares },
        };
        Assert.That(Path.Combine(Path.GetDirectoryName(Published("Timings/Timer", "Timer"))!, "Timings.Messages.dll"), Does.Exist, "each plugin ships its own copy");
        await using var host = await StartAsync(addons, cancellationToken);
        using var client = ClientOf(host);
        foreach (var path in new[] { "/hello", "/conn" })
        {
            using var response = await client.GetAsync(_origin.Http(path), cancellationToken);
        }

        var timings = await CommandAsync(["collector.timings", "5"], cancellationToken);

        Assert.That(timings.Code, Is.Zero, timings.Log + host.Log);
        Assert.That(timings.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries),
            Has.Length.EqualTo(2).And.Some.Match($@"^200 {Regex.Escape(_origin.Http("/hello"))} \d+\.\d ms$").And.Some.Match($@"^200 {Regex.Escape(_origin.Http("/conn"))} \d+\.\d ms$"));
        Assert.That(host.Log, Does.Contain("Plugins 'Collector', 'Timer' share Timings.Messages").Or.Contain("Plugins 'Timer', 'Collector' share Timings.Messages"));
    }

    /// <summary>The sample's published dll, after checking the publish left the contract out (the host shares its own).</summary>
    private string Published(string sample) => Published(sample, sample);

    /// <summary>The published dll of project <paramref name="name"/> in the sample's folder <paramref name="folder"/>.</summary>
    private string Published(string folder, string name)
    {
        var publish = Path.Combine(_author.Folder, folder, "bin", "Release", "net10.0", "publish");
        Assert.That(Path.Combine(publish, "Addons.Abstractions.dll"), Does.Not.Exist, "a plugin carries no copy of the contract");
        return Path.Combine(publish, name + ".dll");
    }

    /// <summary>The current test's folder: its plugins.json and the host's data folder (confdir).</summary>
    private string RunFolder() => Directory.CreateDirectory(Path.Combine(_author.Folder, "run-" + TestContext.CurrentContext.Test.MethodName)).FullName;

    /// <summary>Writes <paramref name="addons"/> as the Addons of a plugins.json and starts the host with it.</summary>
    private async Task<ProxyProcess> StartAsync(Dictionary<string, object> addons, CancellationToken cancellationToken) =>
        await ProxyProcess.StartAsync(await WritePluginsAsync(addons, cancellationToken), RunFolder(), [], cancellationToken);

    /// <summary>Runs the host with <paramref name="addons"/> and <paramref name="args"/> until it exits, without a proxy.</summary>
    private async Task<(int Code, string Log)> RefusedAsync(Dictionary<string, object> addons, string[] args, CancellationToken cancellationToken)
    {
        var (code, _, log) = await HostProcess.RunSeparatelyAsync(await WritePluginsAsync(addons, cancellationToken), RunFolder(), ["-n", .. args], RunTimeout, cancellationToken);
        return (code, log);
    }

    /// <summary>Runs <c>addons-host --command</c> against the host this test started (its confdir is the test's folder).</summary>
    private Task<(int Code, string Output, string Log)> CommandAsync(string[] command, CancellationToken cancellationToken) =>
        HostProcess.RunSeparatelyAsync(Path.Combine(RunFolder(), "plugins.json"), RunFolder(), ["--command", .. command], RunTimeout, cancellationToken);

    private async Task<string> WritePluginsAsync(Dictionary<string, object> addons, CancellationToken cancellationToken)
    {
        var plugins = Path.Combine(RunFolder(), "plugins.json");
        await File.WriteAllTextAsync(plugins, JsonSerializer.Serialize(new { Addons = addons }), cancellationToken);
        return plugins;
    }

    private static HttpClient ClientOf(ProxyProcess host) => new(new SocketsHttpHandler { Proxy = new WebProxy($"http://{host.Proxy}") });

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values) ? string.Join(", ", values) : null;
}
