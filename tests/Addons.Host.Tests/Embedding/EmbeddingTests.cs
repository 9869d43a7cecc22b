using System.Net;
using Addons.Abstractions;
using Addons.Abstractions.Hooks;
using Addons.Abstractions.Options;
using Addons.Host.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Addons.Host.Tests.Embedding;

/// <summary>
/// The proxy embedded in an application's generic host with <c>AddAddonProxy</c>: configuration from the application's
/// own section, a plugin and the application's addons (a type from its services, an instance, a factory) in one chain,
/// and mistakes stopping the start with the sentence addons-host would print.
/// </summary>
public sealed class EmbeddingTests
{
    private string _folder = null!;

    [SetUp]
    public void CreateFolder() => _folder = Directory.CreateTempSubdirectory("addons-embed-").FullName;

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    [Test]
    [CancelAfter(60_000)]
    public async Task A_plugin_and_the_applications_addons_run_in_one_chain_in_the_configured_order(CancellationToken cancellationToken)
    {
        var builder = Builder(
            ("AddonProxy:Addons:Hello:Path", TestPaths.TestPlugin("Hello")),
            ("AddonProxy:Addons:Hello:Order", "20"),
            ("AddonProxy:Addons:Stamp:Order", "10"),
            ("AddonProxy:Addons:Stamp:Options:stamp_value", "from configuration"));
        builder.Services.AddSingleton<Counter>();
        var late = new Tagger("late");
        builder.Services.AddAddonProxy(builder.Configuration.GetSection("AddonProxy"))
            .AddAddon<StampAddon>("Stamp")
            .AddAddon(late)
            .AddAddon(_ => new Tagger("made"), "Made");
        using var host = builder.Build();
        await using var origin = await KestrelOrigin.StartAsync(_folder);
        await host.StartAsync(cancellationToken);
        try
        {
            var proxy = host.Services.GetRequiredService<IAddonProxy>();
            Assert.That(proxy.Addons, Is.EqualTo(new[] { "proxy", "stamp", "hello", "tagger:late", "tagger:made", "intercept", "readfile", "save", "dump", "control", "clientplayback" }));
            Assert.That(proxy.EndPoint, Is.Not.Null);
            Assert.That(proxy.Options.Get<string>("stamp_value"), Is.EqualTo("from configuration"));

            using var client = new HttpClient(new SocketsHttpHandler { Proxy = new WebProxy($"http://{proxy.EndPoint}"), UseProxy = true });
            using var response = await client.GetAsync(origin.Http("/hello"), cancellationToken);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(response.Headers.GetValues("X-Stamp").Single(), Is.EqualTo("from configuration 1"));
            Assert.That(response.Headers.GetValues("X-Hello-Count").Single(), Is.EqualTo("1"));
            Assert.That(response.Headers.GetValues("X-Tagged").ToArray(), Is.EqualTo(new[] { "late", "made" }));
            Assert.That(host.Services.GetRequiredService<Counter>().Value, Is.EqualTo(1), "the addon was made with the application's services");
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }

        Assert.That(late.Done, Is.True, "done reaches the application's addons as it does plugins");
    }

    [Test]
    public void A_mistake_in_the_section_stops_the_start_with_sentences_naming_each_key()
    {
        var builder = Builder(
            ("AddonProxy:Addons:Stamp:Path", "somewhere/Stamp.dll"),
            ("AddonProxy:Addons:Other:Order", "first"),
            ("AddonProxy:Proxy:listen_prot", "8080"));
        builder.Services.AddSingleton<Counter>();
        builder.Services.AddAddonProxy(builder.Configuration.GetSection("AddonProxy")).AddAddon<StampAddon>("Stamp");
        using var host = builder.Build();

        var ex = Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync(CancellationToken.None));

        Assert.That(ex!.Message, Does.Contain(
            "configuration: AddonProxy:Addons:Stamp:Path is \"somewhere/Stamp.dll\", but 'Stamp' is an addon the application adds in process; its entry takes Order, Enabled, Required and Options, not a Path."));
        Assert.That(ex.Message, Does.Contain("configuration: AddonProxy:Addons:Other:Order is \"first\", which is not a whole number."));
        Assert.That(ex.Message, Does.Contain("AddonProxy:Addons:Other:Path is missing"));
    }

    [Test]
    public void An_option_the_addons_do_not_have_is_named_with_its_key()
    {
        var builder = Builder(("AddonProxy:Proxy:listen_prot", "8080"));
        builder.Services.AddAddonProxy(builder.Configuration.GetSection("AddonProxy"));
        using var host = builder.Build();

        var ex = Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync(CancellationToken.None));

        Assert.That(ex!.Message, Does.StartWith("configuration: AddonProxy:Proxy:listen_prot is not an option of addon 'proxy'"));
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Without_an_Addons_section_only_the_applications_addons_run(CancellationToken cancellationToken)
    {
        var builder = Builder();
        builder.Services.AddAddonProxy(builder.Configuration.GetSection("AddonProxy"), options => options.Set("server", "false"))
            .AddAddon(new Tagger("only"));
        using var host = builder.Build();
        await host.StartAsync(cancellationToken);
        await host.StopAsync(cancellationToken);

        var proxy = host.Services.GetRequiredService<IAddonProxy>();
        Assert.That(proxy.Addons, Does.Contain("tagger:only"));
        Assert.That(proxy.EndPoint, Is.Null, "server=false from AddonProxyOptions.Set, as --set does");
    }

    [Test]
    public void An_application_that_fails_to_make_its_addon_is_told_which()
    {
        var builder = Builder();
        builder.Services.AddAddonProxy(builder.Configuration.GetSection("AddonProxy"))
            .AddAddon<Tagger>(_ => throw new InvalidOperationException("no tag configured"), "Broken");
        using var host = builder.Build();

        var ex = Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync(CancellationToken.None));

        Assert.That(ex!.Message, Is.EqualTo(
            "Addon 'Broken' (added in process) could not be created: no tag configured The application adds it in process, so the host does not start without it unless AddonProxy:Addons:Broken:Required is false."));
    }

    [Test]
    public void Adding_the_proxy_twice_or_an_id_twice_is_refused()
    {
        var services = new ServiceCollection();
        var configuration = new ConfigurationBuilder().Build();
        var proxy = services.AddAddonProxy(configuration);
        proxy.AddAddon(new Tagger("a"), "A");

        Assert.That(() => proxy.AddAddon(new Tagger("b"), "a"), Throws.InvalidOperationException.With.Message.EqualTo(
            "An addon with the id 'a' was already added; give one of them another id."));
        Assert.That(() => services.AddAddonProxy(configuration), Throws.InvalidOperationException.With.Message.EqualTo(
            "AddAddonProxy was called twice; one application runs one proxy."));
    }

    private HostApplicationBuilder Builder(params (string Key, string Value)[] values) => EmbeddedHost.Builder(_folder, values);

    private sealed class Counter
    {
        private int _value;

        public int Value => _value;

        public int Next() => Interlocked.Increment(ref _value);
    }

    private sealed class StampAddon(Counter counter) : Addon
    {
        private IOption<string> _value = null!;

        public override string Name => "stamp";

        public override void Load(IAddonLoader loader) => _value = loader.AddOption("stamp_value", "default", "The stamp.");

        public override ValueTask ResponseAsync(HttpFlowContext context)
        {
            context.Flow.Response!.Headers.Set("X-Stamp", $"{_value.Value} {counter.Next()}");
            return default;
        }
    }

    private sealed class Tagger(string tag) : Addon
    {
        public override string Name => "tagger:" + tag;

        public bool Done { get; private set; }

        public override ValueTask ResponseAsync(HttpFlowContext context)
        {
            context.Flow.Response!.Headers.Add("X-Tagged", tag);
            return default;
        }

        public override ValueTask DoneAsync(LifecycleContext context)
        {
            Done = true;
            return default;
        }
    }
}
