using System.Net;

namespace Addons.Web.Tests;

public sealed class StartTests
{
    [Test]
    public async Task TheLogNamesTheAddressWithItsTokenAndThePageAndApiAnswerWithIt()
    {
        await using var server = await WebServer.StartAsync();
        var line = server.Host.Logs.Select(l => l.Message).Single(m => m.StartsWith("Web interface at ", StringComparison.Ordinal));
        Assert.That(line, Is.EqualTo($"Web interface at {server.Address}?token={server.Token}"));

        using var page = await server.Client.GetAsync("/");
        Assert.That(page.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await page.Content.ReadAsStringAsync(), Does.Contain("<script type=\"module\" src=\"app.js\"></script>"));
    }

    [Test]
    public async Task APortInUseIsOneErrorSentenceAndTheHostRunsOn()
    {
        using var taken = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var web = new WebAddon();
        await using var host = await Addons.Testing.AddonTestHost.StartAsync([new View.ViewAddon(), web], new Dictionary<string, string> { ["web_port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture) });

        Assert.That(web.Address, Is.Null);
        var errors = host.Logs.Where(l => l.Level == Microsoft.Extensions.Logging.LogLevel.Error).Select(l => l.Message).ToList();
        Assert.That(errors, Has.Some.StartsWith($"The web interface cannot listen on 127.0.0.1:{port} ("));
        Assert.That(await host.CommandAsync("view.properties.length"), Is.EqualTo(0), "the other addons run on");
    }
}
