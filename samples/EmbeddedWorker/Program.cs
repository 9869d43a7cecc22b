using EmbeddedWorker;

// A worker service that carries the proxy: its addons are the plugins appsettings.json lists (Hello) and one of its
// own, added in process with the application's services (StampAddon, which counts responses in ResponseCounter).
var builder = Host.CreateApplicationBuilder(args);
builder.Services.AddSingleton<ResponseCounter>();
builder.Services.AddAddonProxy(builder.Configuration.GetSection("AddonProxy"))
    .AddAddon<StampAddon>();
builder.Services.AddHostedService<CountReporter>();

await builder.Build().RunAsync();
