using System.Text.Json;
using Addons.Session;
using Addons.StreamTester;

namespace Addons.Web.Tests;

/// <summary>
/// The stream tester's live chart data in the socket's stats: with the real StreamTester and Session plugins (the
/// session reports what it persisted, so a stream finishes as soon as its flows are stored), each completed second
/// reaches the page once, in order, and a new stream starts its seconds again.
/// </summary>
public sealed class StreamTesterProgressTests
{
    private string _folder = null!;
    private WebServer _server = null!;

    [SetUp]
    public async Task StartAsync()
    {
        _folder = Directory.CreateTempSubdirectory("web-streamtester-").FullName;
        _server = await WebServer.StartAsync(
            new Dictionary<string, string> { ["streamtester_output"] = _folder, ["session_path"] = Path.Combine(_folder, "flows.session") },
            [new SessionAddon(), new StreamTesterAddon()]);
    }

    [TearDown]
    public async Task StopAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    [Test]
    public async Task EachSecondOfAStreamIsSentOnceAndANewStreamStartsAgain()
    {
        await using var socket = await WebTestKit.ConnectAsync(_server);
        var idle = await socket.NextAsync("stats");
        Assert.That(idle.GetProperty("streamtesterProgress").GetProperty("state").GetString(), Is.EqualTo("idle"));

        var first = await StreamSecondsAsync(socket);
        var second = await StreamSecondsAsync(socket);

        Assert.Multiple(() =>
        {
            Assert.That(first.Seconds, Is.EqualTo(Enumerable.Range(1, first.Seconds.Count)), "seconds 1, 2, 3… each once");
            Assert.That(first.Seconds, Has.Count.GreaterThanOrEqualTo(2));
            Assert.That(first.Offered, Is.GreaterThan(0), "the flows of each second are counted");
            Assert.That(second.StartedAt, Is.Not.EqualTo(first.StartedAt));
            Assert.That(second.Seconds[0], Is.EqualTo(1), "a new stream's seconds start at 1 again, though the page had the old one's");
            Assert.That(second.Seconds, Is.EqualTo(Enumerable.Range(1, second.Seconds.Count)));
        });
    }

    /// <summary>Runs a short stream and gathers the seconds the stats messages bring until it has finished.</summary>
    private async Task<(long StartedAt, List<int> Seconds, long Offered)> StreamSecondsAsync(UpdatesSocket socket)
    {
        using (var start = await WebTestKit.CommandAsync(_server, "streamtester.start", """{"arguments": ["rate=50", "duration=2s"]}"""))
        {
            Assert.That(start.IsSuccessStatusCode, await start.Content.ReadAsStringAsync());
        }

        long? startedAt = null;
        var seconds = new List<int>();
        long offered = 0;
        while (true)
        {
            var stats = await socket.NextAsync("stats");
            var progress = stats.GetProperty("streamtesterProgress");
            if (progress.GetProperty("state").GetString() == "idle" || progress.GetProperty("startedAt").ValueKind != JsonValueKind.Number)
            {
                continue;
            }

            var at = progress.GetProperty("startedAt").GetInt64();
            if (startedAt is null && seconds.Count == 0 && progress.GetProperty("state").GetString() == "finished" && progress.GetProperty("seconds").GetArrayLength() == 0)
            {
                continue; // the stream before this one
            }

            startedAt ??= at;
            Assert.That(at, Is.EqualTo(startedAt), "one stream at a time");
            foreach (var s in progress.GetProperty("seconds").EnumerateArray())
            {
                seconds.Add(s.GetProperty("second").GetInt32());
                offered += s.GetProperty("offered").GetInt64();
            }

            if (progress.GetProperty("state").GetString() == "finished" && seconds.Count >= 2)
            {
                return (at, seconds, offered);
            }
        }
    }
}
