using System.Net;
using System.Text.Json;
using Addons.Host.Tests.Infrastructure;

namespace Addons.Host.Tests.Samples;

/// <summary>
/// The acceptance of hot reload, as an author meets it: the Hello sample copied out and built against the packed
/// contract, the real host running it with <c>--watch</c>, a flow through its proxy; then the sample's source changed
/// and built again, and the next flow through the same running host sees what the new build does.
/// </summary>
public sealed class HotReloadTests
{
    [Test]
    [CancelAfter(600_000)]
    public async Task A_rebuilt_sample_takes_the_place_of_the_running_one_and_the_next_flow_sees_it(CancellationToken cancellationToken)
    {
        using var author = await AuthorFolder.CreateAsync("addons-hotreload-", cancellationToken);
        var sample = author.CopySample("Hello");
        await author.DotnetAsync(sample, cancellationToken, "build");
        var plugins = Path.Combine(author.Folder, "plugins.json");
        var built = Path.Combine(sample, "bin", "Debug", "net10.0", "Hello.dll");
        await File.WriteAllTextAsync(plugins, JsonSerializer.Serialize(new { Addons = new { Hello = new { Path = built } } }), cancellationToken);
        await using var origin = await KestrelOrigin.StartAsync(author.Folder);
        await using var host = await ProxyProcess.StartAsync(plugins, author.Folder, ["--watch", "-v"], cancellationToken);
        using var client = new HttpClient(new SocketsHttpHandler { Proxy = new WebProxy($"http://{host.Proxy}") });

        using (var before = await client.GetAsync(origin.Http("/hello"), cancellationToken))
        {
            Assert.That(Header(before, "X-Hello-Count"), Is.EqualTo("1"), host.Log);
        }

        // The author's change: the header gets another name. Then their build, over the running plugin's files.
        var source = Path.Combine(sample, "HelloAddon.cs");
        var text = await File.ReadAllTextAsync(source, cancellationToken);
        Assert.That(text, Does.Contain("\"X-Hello-Count\""));
        await File.WriteAllTextAsync(source, text.Replace("\"X-Hello-Count\"", "\"X-Hello-Reloaded\"", StringComparison.Ordinal), cancellationToken);
        await author.DotnetAsync(sample, cancellationToken, "build");
        while (!host.Log.Contains("Reloaded plugin 'Hello' (", StringComparison.Ordinal))
        {
            Assert.That(host.Log, Does.Not.Contain("Reload of plugin 'Hello' failed"));
            await Task.Delay(100, cancellationToken);
        }

        using var after = await client.GetAsync(origin.Http("/hello"), cancellationToken);
        Assert.That(await after.Content.ReadAsStringAsync(cancellationToken), Is.EqualTo("hello"));
        Assert.That((Header(after, "X-Hello-Reloaded"), Header(after, "X-Hello-Count")), Is.EqualTo(("1", (string?)null)),
            "the new build counts from one, under its new header");
        Assert.That(host.Log, Does.Contain($"Watching plugin 'Hello' ({Path.GetDirectoryName(built)}): a new build reloads it"));
        while (!host.Log.Contains("Plugin 'Hello': its previous build unloaded", StringComparison.Ordinal))
        {
            Assert.That(host.Log, Does.Not.Contain("Plugin 'Hello' did not unload"));
            await Task.Delay(100, cancellationToken);
        }
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(", ", values) : null;
}
