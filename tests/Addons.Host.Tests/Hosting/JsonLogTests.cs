using System.Net;
using System.Text.Json;
using Addons.Host.Tests.Infrastructure;

namespace Addons.Host.Tests.Hosting;

/// <summary>
/// The JSON console formatter chosen by configuration, as a log collector reads it: one object a line on standard
/// error, and what an addon logs about a flow carries the addon's name and the flow's id as fields.
/// </summary>
public sealed class JsonLogTests
{
    [Test]
    [CancelAfter(120_000)]
    public async Task An_addons_line_about_a_flow_names_the_addon_and_the_flow(CancellationToken cancellationToken)
    {
        var folder = Directory.CreateTempSubdirectory("addons-jsonlog-").FullName;
        try
        {
            var plugins = Path.Combine(folder, "plugins.json");
            await File.WriteAllTextAsync(plugins, $$"""{ "Addons": { {{TestHost.Entry("Recorder", TestPaths.TestPlugin("Recorder"), 1)}} } }""", cancellationToken);
            await using var origin = await KestrelOrigin.StartAsync(folder);
            await using var host = await ProxyProcess.StartAsync(plugins, folder,
                ["--Logging:Console:FormatterName=json", "--set", "recorder_log_in=request", "--set", "flow_detail=0"], cancellationToken);
            using var client = new HttpClient(new SocketsHttpHandler { Proxy = new WebProxy($"http://{host.Proxy}") });
            using (var response = await client.GetAsync(origin.Http("/hello"), cancellationToken))
            {
                Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            }

            while (!host.Log.Contains("recorder logs in request", StringComparison.Ordinal))
            {
                await Task.Delay(50, cancellationToken);
            }

            var lines = host.Log.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.That(lines.Select(IsJson), Is.All.True, "every log line is one JSON object");
            using var line = JsonDocument.Parse(lines.Single(l => l.Contains("recorder logs in request", StringComparison.Ordinal)));
            var scope = line.RootElement.GetProperty("Scopes").EnumerateArray().Single(s => s.TryGetProperty("Addon", out _));
            Assert.That(scope.GetProperty("Addon").GetString(), Is.EqualTo("recorder"));
            Assert.That(Guid.TryParse(scope.GetProperty("FlowId").GetString(), out _), Is.True, scope.ToString());
            Assert.That(host.Output, Is.Empty, "standard output carries flows only, and flow_detail=0 prints none");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static bool IsJson(string line)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            return document.RootElement.ValueKind == JsonValueKind.Object;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
