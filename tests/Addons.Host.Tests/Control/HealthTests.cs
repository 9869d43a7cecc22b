using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Addons.Abstractions;
using Addons.Abstractions.Health;
using Addons.Host.Control;
using Addons.Host.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Addons.Host.Tests.Control;

/// <summary>
/// The control endpoint's health: <c>/health/live</c> and <c>/health/ready</c> behind the token; ready reports the
/// proxy, the addons (degraded by a plugin that failed without stopping the host) and each addon's own check.
/// </summary>
public sealed class HealthTests
{
    private const string Token = "health-test-token";
    private string _folder = null!;

    [SetUp]
    public void CreateFolder() => _folder = Directory.CreateTempSubdirectory("addons-health-").FullName;

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    [Test]
    [CancelAfter(60_000)]
    public async Task Ready_reports_every_check_and_follows_an_addons_own(CancellationToken cancellationToken)
    {
        var probe = new Probe();
        using var host = Build(probe);
        await host.StartAsync(cancellationToken);
        try
        {
            using var client = Client(host);
            var (status, ready) = await GetAsync(client, "/health/ready", cancellationToken);

            Assert.That(status, Is.EqualTo(HttpStatusCode.OK), ready);
            using (var json = JsonDocument.Parse(ready))
            {
                var checks = json.RootElement.GetProperty("checks");
                Assert.That(json.RootElement.GetProperty("status").GetString(), Is.EqualTo("Degraded"));
                Assert.That(checks.GetProperty("proxy").GetProperty("description").GetString(), Does.StartWith("Listening at 127.0.0.1:"));
                Assert.That(checks.GetProperty("addons").GetProperty("status").GetString(), Is.EqualTo("Degraded"));
                Assert.That(checks.GetProperty("addons").GetProperty("description").GetString(), Does.Contain("Plugin 'Missing'"));
                Assert.That(checks.GetProperty("addon_checks").GetProperty("data").GetProperty("probe.disk").GetString(), Is.EqualTo("Healthy: fine"));
            }

            probe.Health = AddonHealth.Unhealthy("the disk is full");
            (status, ready) = await GetAsync(client, "/health/ready", cancellationToken);
            Assert.That(status, Is.EqualTo(HttpStatusCode.ServiceUnavailable), ready);
            Assert.That(ready, Does.Contain("\"description\":\"probe.disk: the disk is full\""));

            probe.Throws = true;
            (_, ready) = await GetAsync(client, "/health/ready", cancellationToken);
            Assert.That(ready, Does.Contain("probe.disk: The check failed: probe broke"));

            var (liveStatus, live) = await GetAsync(client, "/health/live", cancellationToken);
            Assert.That((liveStatus, live), Is.EqualTo((HttpStatusCode.OK, """{"status":"Healthy","checks":{}}""")), "liveness runs no check: the process answers");
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Every_health_endpoint_refuses_a_request_without_the_token(CancellationToken cancellationToken)
    {
        using var host = Build(new Probe());
        await host.StartAsync(cancellationToken);
        try
        {
            using var client = Client(host);
            foreach (var path in new[] { "/health/live", "/health/ready" })
            {
                client.DefaultRequestHeaders.Authorization = null;
                using var none = await client.GetAsync(path, cancellationToken);
                client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "wrong");
                using var wrong = await client.GetAsync(path, cancellationToken);
                Assert.That((none.StatusCode, wrong.StatusCode), Is.EqualTo((HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized)), path);
            }
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }

    private IHost Build(Probe probe)
    {
        var builder = EmbeddedHost.Builder(_folder,
            ("AddonProxy:Control:control", "true"),
            ("AddonProxy:Control:control_token", Token),
            ("AddonProxy:Addons:Missing:Path", Path.Combine(_folder, "Missing.dll")));
        builder.Services.AddAddonProxy(builder.Configuration.GetSection("AddonProxy")).AddAddon(probe);
        return builder.Build();
    }

    private static HttpClient Client(IHost host)
    {
        var address = host.Services.GetRequiredService<ControlAddon>().Address!;
        var client = new HttpClient { BaseAddress = address };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        return client;
    }

    private static async Task<(HttpStatusCode Status, string Body)> GetAsync(HttpClient client, string path, CancellationToken cancellationToken)
    {
        using var response = await client.GetAsync(path, cancellationToken);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken));
    }

    /// <summary>An addon whose health the test sets.</summary>
    private sealed class Probe : Addon
    {
        public AddonHealth Health { get; set; } = AddonHealth.Healthy("fine");

        public bool Throws { get; set; }

        public override void Load(IAddonLoader loader) => loader.AddHealthCheck("disk", _ =>
            Throws ? throw new InvalidOperationException("probe broke") : ValueTask.FromResult(Health));
    }
}
