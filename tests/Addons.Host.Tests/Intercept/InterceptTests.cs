using System.Net;
using Addons.Abstractions.Flows;
using Addons.Abstractions.Options;
using Addons.Host.Tests.Infrastructure;

namespace Addons.Host.Tests.Intercept;

/// <summary>mitmproxy's intercept through the real proxy: the filter holds matching flows until flow.resume or flow.kill.</summary>
public sealed class InterceptTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private string _folder = null!;

    [SetUp]
    public void CreateFolder() => _folder = Directory.CreateTempSubdirectory("addons-intercept-").FullName;

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    [Test]
    public async Task AMatchingRequestWaitsForResumeWhileOthersPass()
    {
        await using var origin = await KestrelOrigin.StartAsync(_folder);
        await using var proxy = await ProxyHarness.StartAsync([TestHost.Entry("View", TestPaths.ShippedPlugin("View"), 1)], "--set", "intercept=~u /headers");
        using var client = proxy.CreateClient();
        await WaitAsync(() => proxy.Host.Options.Get<bool>("intercept_active"), "setting intercept turns intercept_active on, as in mitmproxy");

        var held = client.GetStringAsync(origin.Http("/headers"));
        var flow = await WaitForAsync(proxy, "~u /headers & ~q");
        Assert.That(flow.Intercepted, Is.True);
        Assert.That(held.IsCompleted, Is.False, "the held request did not reach the client's answer");
        Assert.That(await client.GetStringAsync(origin.Http("/hello")), Is.EqualTo("hello"), "other flows pass meanwhile");

        flow.Request.Headers.Set("X-Edited", "while held");
        Assert.That(await proxy.Host.ExecuteAsync("flow.resume", "@all"), Is.EqualTo(1));

        // Held again at its response, as mitmproxy holds at request and at response.
        var answered = await WaitForAsync(proxy, "~u /headers & ~s");
        Assert.That(answered, Is.SameAs(flow));
        Assert.That(held.IsCompleted, Is.False, "the held response did not reach the client");
        Assert.That(await proxy.Host.ExecuteAsync("flow.resume", $"@{flow.Id}"), Is.EqualTo(1));
        Assert.That(await held.WaitAsync(Patience), Does.Contain("X-Edited: while held"), "an edit made while held went upstream");
        Assert.That(flow.Intercepted, Is.False);
    }

    [Test]
    public async Task KillEndsAHeldFlowWithItsErrorAndTheClientGetsNoAnswer()
    {
        await using var origin = await KestrelOrigin.StartAsync(_folder);
        await using var proxy = await ProxyHarness.StartAsync([TestHost.Entry("View", TestPaths.ShippedPlugin("View"), 1)], "--set", "intercept=~u /hello");

        // A raw client: HttpClient would send the request again on a new connection, to be held again.
        await using var client = await proxy.ConnectAsync();
        await client.SendAsync($"GET {origin.Http("/hello")} HTTP/1.1\r\nHost: 127.0.0.1:{origin.HttpPort}\r\n\r\n");
        var flow = await WaitForAsync(proxy, "~u /hello & ~q");
        Assert.That(await proxy.Host.ExecuteAsync("flow.kill", $"@{flow.Id}"), Is.EqualTo(1));

        Assert.That(await client.ReadToEndAsync().WaitAsync(Patience), Is.Empty, "the connection closes without an answer, as in mitmproxy");
        Assert.That(flow.Error?.Message, Is.EqualTo(FlowError.KilledMessage));
        Assert.That(await proxy.Host.ExecuteAsync("flow.kill", $"@{flow.Id}"), Is.EqualTo(0), "a killed flow is not killable again");
    }

    [Test]
    public async Task ABadFilterIsRefusedWithItsSentenceAndAnEmptyOneStopsHolding()
    {
        await using var origin = await KestrelOrigin.StartAsync(_folder);
        await using var proxy = await ProxyHarness.StartAsync([TestHost.Entry("View", TestPaths.ShippedPlugin("View"), 1)]);
        using var client = proxy.CreateClient();

        var error = Assert.ThrowsAsync<OptionsException>(async () => await proxy.Host.Options.SetAsync(new Dictionary<string, string> { ["intercept"] = "~~" }));
        Assert.That(error!.Message, Does.Contain("intercept: ").And.Contain("~~"));

        await proxy.Host.Options.SetAsync(new Dictionary<string, string> { ["intercept"] = "~u /hello" });
        await proxy.Host.Options.SetAsync(new Dictionary<string, string> { ["intercept"] = "" });
        Assert.That(await client.GetStringAsync(origin.Http("/hello")).WaitAsync(Patience), Is.EqualTo("hello"), "no filter holds nothing");

        await proxy.Host.Options.SetAsync(new Dictionary<string, string> { ["intercept"] = "~u /hello" });
        await WaitAsync(() => proxy.Host.Options.Get<bool>("intercept_active"), "intercept_active follows");
        await proxy.Host.Options.SetAsync(new Dictionary<string, string> { ["intercept_active"] = "false" });
        Assert.That(await client.GetStringAsync(origin.Http("/hello")).WaitAsync(Patience), Is.EqualTo("hello"), "intercept_active=false holds nothing");
    }

    /// <summary>The first flow of the View the filter picks that is held, once there is one.</summary>
    private static async Task<HttpFlow> WaitForAsync(ProxyHarness proxy, string filter)
    {
        HttpFlow? found = null;
        await WaitAsync(async () =>
        {
            var flows = (IReadOnlyList<Flow>)(await proxy.Host.ExecuteAsync("view.flows.resolve", filter))!;
            found = flows.OfType<HttpFlow>().FirstOrDefault(f => f.Intercepted);
            return found is not null;
        }, $"a held flow matches {filter}");
        return found!;
    }

    private static Task WaitAsync(Func<bool> condition, string what) => WaitAsync(() => Task.FromResult(condition()), what);

    private static async Task WaitAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out waiting until {what}.");
            }

            await Task.Delay(20);
        }
    }
}
