namespace Addons.Web.Tests;

/// <summary>A page following the end of a growing list asks for the tail: each page holds the last rows of its moment.</summary>
public sealed class TailWindowTests
{
    [Test]
    public async Task ATailWindowFollowsTheEndAsFlowsArrive()
    {
        await using var server = await WebServer.StartAsync();
        for (var i = 0; i < 30; i++)
        {
            await server.CaptureAsync($"http://example.com/{i}");
        }

        await using var socket = await WebTestKit.ConnectAsync(server);
        await socket.SendAsync("""{"type": "window", "tail": true, "limit": 10}""");
        var first = await socket.NextAsync(m => UpdatesSocket.TypeOf(m) == "page" && m.GetProperty("total").GetInt32() == 30, "the tail of 30 flows");
        Assert.That(first.GetProperty("offset").GetInt32(), Is.EqualTo(20));
        Assert.That(first.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("index").GetInt32()), Is.EqualTo(Enumerable.Range(20, 10)));

        for (var i = 30; i < 45; i++)
        {
            await server.CaptureAsync($"http://example.com/{i}");
        }

        var later = await socket.NextAsync(m => UpdatesSocket.TypeOf(m) == "page" && m.GetProperty("total").GetInt32() == 45, "the tail of 45 flows");
        Assert.That(later.GetProperty("offset").GetInt32(), Is.EqualTo(35), "without a new window message, the page still ends at the last flow");
        Assert.That(later.GetProperty("rows").EnumerateArray().Last().GetProperty("path").GetString(), Is.EqualTo("/44"));
    }
}
