using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Addons.Host.Control;
using Addons.Host.Interop;
using Addons.Host.Tests.Hosting;
using Addons.Host.Tests.Infrastructure;

namespace Addons.Host.Tests.Control;

/// <summary>
/// addons-host --command against a real running host: the control endpoint on loopback behind its token, found
/// through control.json in the host's data folder.
/// </summary>
public sealed class ControlCommandTests
{
    private string _folder = null!;
    private string _plugins = null!;

    [SetUp]
    public async Task SetUp()
    {
        _folder = Directory.CreateTempSubdirectory("addons-control-").FullName;
        _plugins = Path.Combine(_folder, "plugins.json");
        await File.WriteAllTextAsync(_plugins, $$"""{ "Addons": { "View": { "Path": {{TestPaths.Json(TestPaths.ShippedPlugin("View"))}}, "Order": 1 } } }""");
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_folder, recursive: true);

    [Test]
    [CancelAfter(180_000)]
    public async Task Commands_run_in_the_running_host_from_the_command_line_and_shutdown_stops_it(CancellationToken cancellationToken)
    {
        var input = Path.Combine(_folder, "in.mitm");
        await using (var stream = File.Create(input))
        {
            MitmproxyFlowFile.WriteFlows(stream, SaveStreamTests.MixedFlows());
        }

        using var host = HostProcess.Start(_plugins, _folder, ["-n", "-q", "-r", input, "--set", "keepserving=true"]);
        var log = host.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            var control = await WaitForControlFileAsync(cancellationToken);
            if (!OperatingSystem.IsWindows())
            {
                Assert.That(File.GetUnixFileMode(control), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite), "only its owner reads the token");
            }

            var length = await CommandAsync(["view.properties.length"], cancellationToken);
            var resolved = await CommandAsync(["view.flows.resolve", "~u killed"], cancellationToken);
            var unknown = await CommandAsync(["view.nothing"], cancellationToken);
            var refused = await CommandAsync(["view.order.set", "sideways"], cancellationToken);

            Assert.That(length, Is.EqualTo((0, "7\n", "")));
            Assert.That(resolved.Code, Is.Zero, resolved.Log);
            using (var json = JsonDocument.Parse(resolved.Output))
            {
                Assert.That(json.RootElement.EnumerateArray().Select(f => f.GetProperty("url").GetString()),
                    Is.EqualTo(new[] { "https://example.com/killed", "https://example.com/killed-late" }));
            }

            Assert.That(unknown, Is.EqualTo((1, "", "error: No addon has a command named 'view.nothing'; GET /api/commands lists them.\n")));
            Assert.That(refused, Is.EqualTo((1, "", "error: Option 'view_order' of addon 'view' takes one of method, size, time, url, not 'sideways'.\n")));

            var stopped = await CommandAsync(["shutdown"], cancellationToken);
            Assert.That(stopped, Is.EqualTo((0, "", "")));
            await host.WaitForExitAsync(cancellationToken).WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
            Assert.That(host.ExitCode, Is.Zero, await log);
            Assert.That(File.Exists(control), Is.False, "control.json goes with the host");
        }
        finally
        {
            if (!host.HasExited)
            {
                host.Kill(entireProcessTree: true);
            }
        }

        var (code, _, gone) = await CommandAsync(["view.properties.length"], cancellationToken);
        Assert.That((code, gone), Is.EqualTo((1, $"error: No host is running with this data folder: {ControlFile.PathIn(HostProcess.ConfigDirectory(_folder))} does not exist (a host writes it when it starts; give the host's folder with --set confdir=DIR).\n")));
    }

    [Test]
    [CancelAfter(180_000)]
    public async Task The_endpoint_listens_on_loopback_and_refuses_a_request_without_the_token(CancellationToken cancellationToken)
    {
        using var host = HostProcess.Start(_plugins, _folder, ["-n", "-q", "--set", "keepserving=true"]);
        try
        {
            var file = ControlFile.Read(await WaitForControlFileAsync(cancellationToken));
            using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false });
            var url = new Uri(file.Url);
            using var without = await client.GetAsync(new Uri(url, "api/commands"), cancellationToken);
            using var wrong = new HttpRequestMessage(HttpMethod.Get, new Uri(url, "api/commands")) { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", "guess") } };
            using var wrongAnswer = await client.SendAsync(wrong, cancellationToken);
            using var right = new HttpRequestMessage(HttpMethod.Get, new Uri(url, "api/commands")) { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", file.Token) } };
            using var rightAnswer = await client.SendAsync(right, cancellationToken);

            Assert.That(IPAddress.IsLoopback(IPAddress.Parse(url.Host)), Is.True);
            Assert.That((without.StatusCode, wrongAnswer.StatusCode, rightAnswer.StatusCode), Is.EqualTo((HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.OK)));
            Assert.That(await rightAnswer.Content.ReadAsStringAsync(cancellationToken), Does.Contain("\"name\":\"view.flows.resolve\""));
        }
        finally
        {
            host.Kill(entireProcessTree: true);
            await host.WaitForExitAsync(cancellationToken);
        }
    }

    private async Task<string> WaitForControlFileAsync(CancellationToken cancellationToken)
    {
        var path = ControlFile.PathIn(HostProcess.ConfigDirectory(_folder));
        while (!File.Exists(path))
        {
            await Task.Delay(100, cancellationToken);
        }

        // Written whole once it exists: created, written and closed by one call, but read it only once it parses.
        while (true)
        {
            try
            {
                ControlFile.Read(path);
                return path;
            }
            catch (AddonHostException)
            {
                await Task.Delay(50, cancellationToken);
            }
        }
    }

    private async Task<(int Code, string Output, string Log)> CommandAsync(string[] command, CancellationToken cancellationToken) =>
        await HostProcess.RunSeparatelyAsync(_plugins, _folder, ["--command", .. command], TimeSpan.FromSeconds(60), cancellationToken);
}
