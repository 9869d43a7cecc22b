using Addons.Abstractions.Flows;
using Addons.Host.Interop;
using Addons.Host.Tests.Infrastructure;

namespace Addons.Host.Tests.Replay;

/// <summary>mitmdump's -C on the real host process: the files' requests are replayed once it runs; with -n it then exits.</summary>
public sealed class ClientReplayFlagTests
{
    private string _folder = null!;

    [SetUp]
    public void SetUp() => _folder = Directory.CreateTempSubdirectory("addons-replay-flag-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_folder, recursive: true);

    [Test]
    [CancelAfter(120_000)]
    public async Task No_server_and_two_client_replay_files_replay_both_and_exit(CancellationToken cancellationToken)
    {
        await using var origin = await KestrelOrigin.StartAsync(_folder);
        var mitm = Path.Combine(_folder, "first.mitm");
        await using (var stream = File.Create(mitm))
        {
            MitmproxyFlowFile.Write(stream, [Get(origin.Http("/hello"))]);
        }

        var har = Path.Combine(_folder, "second.har");
        await using (var stream = File.Create(har))
        {
            HarFile.Write(stream, [Get(origin.Http("/scheme"))]);
        }

        var plugins = Path.Combine(_folder, "plugins.json");
        await File.WriteAllTextAsync(plugins, """{ "Addons": {} }""", cancellationToken);

        var (code, output, log) = await HostProcess.RunSeparatelyAsync(plugins, _folder, ["-n", "-C", mitm, "--client-replay", har], TimeSpan.FromSeconds(60), cancellationToken);

        Assert.That(code, Is.Zero, output + log);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.That(lines, Is.EqualTo(new[]
        {
            $"[replay]: GET {origin.Http("/hello")} << 200 OK 5b",
            $"[replay]: GET {origin.Http("/scheme")} << 200 OK {$"http 127.0.0.1:{origin.HttpPort}".Length}b",
        }), "both files' requests, one after the other, printed as mitmdump prints replays");
        Assert.That(log, Does.Contain($"Replaying 2 flows from {mitm}, {har}"));
    }

    /// <summary>A recorded GET whose response the replay replaces.</summary>
    private static HttpFlow Get(string url)
    {
        var flow = FlowLifecycle.NewFlow(url);
        flow.Live = false;
        flow.Request.Content = [];
        flow.Response = HttpResponse.Create(418, "recorded");
        return flow;
    }
}
