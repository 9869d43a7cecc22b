using System.Security.Cryptography;
using System.Text;
using Addons.Host;
using EmbeddedWeb;

// An ASP.NET Core app with the proxy beside its own endpoints: the app's addon (RecentHostsAddon) records the hosts
// of the responses the proxy relays, and GET /recent shows them; GET /proxy says where the proxy listens and which
// addons run. Both need the token (Authorization: Bearer TOKEN), as every endpoint that shows traffic should.
var builder = WebApplication.CreateBuilder(args);
builder.Services.AddSingleton<RecentHosts>();
builder.Services.AddAddonProxy(builder.Configuration.GetSection("AddonProxy"))
    .AddAddon<RecentHostsAddon>();

var app = builder.Build();
var token = app.Configuration["StatusToken"] is { Length: > 0 } configured
    ? configured
    : Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
var expected = Encoding.UTF8.GetBytes("Bearer " + token);
app.Use(async (context, next) =>
{
    var given = Encoding.UTF8.GetBytes(context.Request.Headers.Authorization.ToString());
    if (!CryptographicOperations.FixedTimeEquals(given, expected))
    {
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        return;
    }

    await next(context);
});

app.MapGet("/proxy", (IAddonProxy proxy) => new
{
    endPoint = proxy.EndPoint?.ToString(),
    addons = proxy.Addons,
});
app.MapGet("/recent", (RecentHosts hosts) => hosts.List());
app.Lifetime.ApplicationStarted.Register(() =>
    app.Logger.LogInformation("Status endpoints at {Urls}; token {Token}", string.Join(", ", app.Urls), token));

await app.RunAsync();
