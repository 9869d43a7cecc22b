using Addons.Testing;
using Microsoft.Extensions.Logging;

namespace Addons.Bridge.Tests;

/// <summary>The bridge between hosts in this process, over a real nats-server: both deliveries, echoes, outages, refusals.</summary>
public sealed class BridgeTests
{
    private static readonly string GreetingType = typeof(Greeting).FullName!;
    private NatsServer _nats = null!;
    private int _streams;
    private readonly List<AddonTestHost> _hosts = [];

    [OneTimeSetUp]
    public void StartServer() => _nats = NatsServer.Start();

    [OneTimeTearDown]
    public void StopServer() => _nats?.Dispose();

    [TearDown]
    public async Task StopHosts()
    {
        foreach (var host in _hosts)
        {
            await host.DisposeAsync();
        }

        _hosts.Clear();
        _nats.Resume();
    }

    [TestCase("at-most-once")]
    [TestCase("at-least-once")]
    public async Task AMessageReachesTheOtherHostsOnceAndNeverComesBack(string delivery)
    {
        var stream = NewStream();
        var a = await StartAsync("a", delivery, stream);
        var b = await StartAsync("b", delivery, stream);
        var c = await StartAsync("c", delivery, stream);

        await a.PublishAsync(new Greeting("hello", 1));
        await a.PublishAsync(new Unbridged("stays here"));
        await Until(() => b.Published<Greeting>().Count == 1 && c.Published<Greeting>().Count == 1);
        await Task.Delay(300);

        Assert.Multiple(() =>
        {
            Assert.That(b.Published<Greeting>(), Is.EqualTo(new[] { new Greeting("hello", 1) }));
            Assert.That(c.Published<Greeting>(), Is.EqualTo(new[] { new Greeting("hello", 1) }));
            Assert.That(a.Published<Greeting>(), Has.Count.EqualTo(1), "no echo back to the host it left");
            Assert.That(b.Published<Unbridged>(), Is.Empty, "types not listed stay on their host");
        });
        Assert.That(await a.CommandAsync("bridge.stats"), Does.Contain($"{GreetingType}: sent 1, received 0, lost 0"));
        Assert.That(await b.CommandAsync("bridge.stats"), Does.Contain($"{GreetingType}: sent 0, received 1, lost 0"), "a message from NATS is not sent out again");
    }

    [Test]
    public async Task AProtobufMessageTypeTravelsAsProtobuf()
    {
        var stream = NewStream();
        var type = typeof(ProtoGreeting).FullName!;
        await using var raw = new NATS.Client.Core.NatsConnection(NATS.Client.Core.NatsOpts.Default with { Url = _nats.Url, AuthOpts = NATS.Client.Core.NatsAuthOpts.Default with { Token = _nats.Token } });
        await using var seen = await raw.SubscribeCoreAsync<byte[]>($"test{_streams}.{type}");
        await raw.PingAsync();
        var a = await StartAsync("a", "at-most-once", stream, type);
        var b = await StartAsync("b", "at-most-once", stream, type);

        await a.PublishAsync(new ProtoGreeting { Text = "hello", Number = 42 });
        await Until(() => b.Published<ProtoGreeting>().Count == 1);

        Assert.That(b.Published<ProtoGreeting>().Single(), Is.EqualTo(new ProtoGreeting { Text = "hello", Number = 42 }));
        var sent = await seen.Msgs.ReadAsync();
        Assert.That(sent.Headers!["Addons-Format"].ToString(), Is.EqualTo("protobuf"));
        Assert.That(ProtoGreeting.Parser.ParseFrom(sent.Data), Is.EqualTo(new ProtoGreeting { Text = "hello", Number = 42 }), "the payload is the message's protobuf");
    }

    [Test]
    public async Task AtLeastOnceAHostThatWasAwayGetsWhatWasSentMeanwhile()
    {
        var stream = NewStream();
        var a = await StartAsync("a", "at-least-once", stream);
        var b = await StartAsync("b", "at-least-once", stream);
        await b.DisposeAsync();
        _hosts.Remove(b);

        for (var i = 0; i < 5; i++)
        {
            await a.PublishAsync(new Greeting("while away", i));
        }

        var back = await StartAsync("b", "at-least-once", stream);
        await Until(() => back.Published<Greeting>().Count == 5);
        Assert.That(back.Published<Greeting>().Select(g => g.Number), Is.EqualTo(new[] { 0, 1, 2, 3, 4 }));
    }

    [Test]
    public async Task AtMostOnceAHostThatWasAwayMissesWhatWasSentMeanwhile()
    {
        var stream = NewStream();
        var a = await StartAsync("a", "at-most-once", stream);
        await a.PublishAsync(new Greeting("nobody listens", 1));
        var b = await StartAsync("b", "at-most-once", stream);
        await a.PublishAsync(new Greeting("now", 2));
        await Until(() => b.Published<Greeting>().Count == 1);
        await Task.Delay(200);
        Assert.That(b.Published<Greeting>(), Is.EqualTo(new[] { new Greeting("now", 2) }));
    }

    [Test]
    public async Task AtLeastOnceAMessageSentWhileNatsIsDownArrivesWhenItIsBack()
    {
        var stream = NewStream();
        var a = await StartAsync("a", "at-least-once", stream);
        var b = await StartAsync("b", "at-least-once", stream);
        _nats.Stop();
        var sending = a.PublishAsync(new Greeting("during the outage", 7));
        await Task.Delay(TimeSpan.FromSeconds(6));
        _nats.Resume();
        await sending;
        await Until(() => b.Published<Greeting>().Count == 1);
        await Task.Delay(500);
        Assert.That(b.Published<Greeting>(), Is.EqualTo(new[] { new Greeting("during the outage", 7) }), "once, however many attempts it took");
    }

    [Test]
    public async Task AMessageThatIsNotItsTypesJsonIsDroppedWithOneSentence()
    {
        var stream = NewStream();
        var b = await StartAsync("b", "at-most-once", stream);
        await using var raw = new NATS.Client.Core.NatsConnection(NATS.Client.Core.NatsOpts.Default with { Url = _nats.Url, AuthOpts = NATS.Client.Core.NatsAuthOpts.Default with { Token = _nats.Token } });
        var headers = new NATS.Client.Core.NatsHeaders { ["Addons-Origin"] = "mallory" };
        await raw.PublishAsync($"test{_streams}.{GreetingType}", "not json"u8.ToArray(), headers: headers);
        await raw.PublishAsync($"test{_streams}.{GreetingType}", """{"Text":"fine","Number":3}"""u8.ToArray(), headers: headers);
        await Until(() => b.Published<Greeting>().Count == 1);

        Assert.That(b.Logs.Where(l => l.Level == LogLevel.Error).Select(l => l.Message).Single(),
            Does.StartWith($"A message on test{_streams}.{GreetingType} from host mallory is not a {GreetingType} in json ("));
        Assert.That(await b.CommandAsync("bridge.stats"), Does.Contain("received 1, lost 1"));
    }

    [Test]
    public async Task WhatCannotBeBridgedIsRefusedAtStartInOneSentence()
    {
        var cases = new (string Option, string Value, string Expected)[]
        {
            ("bridge_types", "No.Such.Type", "bridge_types: no loaded assembly declares No.Such.Type; give a message type's full name"),
            ("bridge_types", "", "bridge_types is empty: name the bus message types to forward"),
            ("bridge_types", typeof(Ping).FullName!, $"bridge_types: {typeof(Ping).FullName} cannot be bridged: a message type must be a public, concrete, non-generic class or record."),
            ("bridge_nats_token", "wrong", $"bridge_nats_url: The bridge cannot use NATS at {_nats.Url}: "),
            ("bridge_nats_url", "nats://127.0.0.1:1", "bridge_nats_url: The bridge cannot use NATS at nats://127.0.0.1:1: "),
            ("bridge_subject_prefix", "a b", "bridge_subject_prefix 'a b' is not a NATS subject"),
            ("bridge_nats_url", "nats://someone:hunter2@127.0.0.1:1", "bridge_nats_url: The bridge cannot use NATS at nats://***@127.0.0.1:1: "),
        };
        foreach (var (option, value, expected) in cases)
        {
            var options = Options("x", "at-most-once", NewStream());
            options["bridge_required"] = "true";
            options[option] = value;
            var e = Assert.ThrowsAsync<Abstractions.Options.OptionsException>(async () => await AddonTestHost.StartAsync([new BridgeAddon()], options));
            Assert.That(e!.Message, Does.Contain(expected), $"{option}={value}");
            Assert.That(e.Message, Does.Not.Contain(_nats.Token).And.Not.Contain("hunter2"));
        }

        // Not required: the host runs without the bridge and says so once.
        var down = Options("y", "at-most-once", NewStream());
        down["bridge_nats_url"] = "nats://127.0.0.1:1";
        var host = await AddonTestHost.StartAsync([new BridgeAddon()], down);
        _hosts.Add(host);
        Assert.That(host.Logs.Single(l => l.Level == LogLevel.Error).Message, Does.EndWith("The host runs without the bridge (set bridge_required to refuse to start instead)."));
        Assert.That(await host.CommandAsync("bridge.stats"), Does.StartWith("The bridge is not running: The bridge cannot use NATS at nats://127.0.0.1:1"));
    }

    private string NewStream() => $"TEST{++_streams}";

    private async Task<AddonTestHost> StartAsync(string hostId, string delivery, string stream, string? types = null)
    {
        var options = Options(hostId, delivery, stream);
        options["bridge_types"] = types ?? GreetingType;
        var host = await AddonTestHost.StartAsync([new BridgeAddon()], options);
        _hosts.Add(host);
        return host;
    }

    private Dictionary<string, string> Options(string hostId, string delivery, string stream) => new()
    {
        ["bridge_nats_url"] = _nats.Url,
        ["bridge_nats_token"] = _nats.Token,
        ["bridge_host_id"] = hostId,
        ["bridge_types"] = GreetingType,
        ["bridge_delivery"] = delivery,
        ["bridge_stream"] = stream,
        ["bridge_subject_prefix"] = $"test{_streams}",
    };

    private static async Task Until(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!condition() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.That(condition(), Is.True, "within 20 s");
    }
}
