using Addons.Host.Proxy.Http2;
using Addons.Host.Tests.Infrastructure;

namespace Addons.Host.Tests.Proxy.Http2;

/// <summary>A host stopping with HTTP/2 streams in flight: GOAWAY first, then the streams finish, then the connection closes.</summary>
public sealed class Http2DrainTests
{
    [Test]
    public async Task StoppingSendsGoAwayAndLetsStreamsInFlightFinish()
    {
        var folder = Directory.CreateTempSubdirectory("addons-h2-drain-").FullName;
        try
        {
            await using var origin = await KestrelOrigin.StartAsync(folder);
            var holder = new HoldingAddon();
            var proxy = await ProxyHarness.StartAsync([ProxyHarness.Recorder], [holder], "--set", $"mode=reverse:http://127.0.0.1:{origin.HttpPort}");
            await using var client = await RawH2Client.ConnectAsync(proxy.EndPoint);
            await client.StartAsync();
            await client.SendRequestAsync(1, "GET", "/hold", "example");
            await holder.Entered;

            var stopping = proxy.DisposeAsync().AsTask();

            Assert.That(await client.ReadGoAwayCodeAsync(), Is.EqualTo(Http2ErrorCode.NoError), "the client is told no new stream will be served");
            holder.Release();
            Assert.That(await client.ReadStatusAsync(1), Is.EqualTo(404), "the stream in flight was answered (the origin has no /hold)");
            Assert.That(await client.ClosesAsync(), Is.True);
            await stopping.WaitAsync(TimeSpan.FromSeconds(20));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
