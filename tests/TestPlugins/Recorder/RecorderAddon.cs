using System.Reflection;
using Addons.Abstractions;
using Addons.Abstractions.Events;
using Addons.Abstractions.Flows;
using Addons.Abstractions.Hooks;
using Addons.Abstractions.Options;
using Microsoft.Extensions.Logging;

[assembly: AddonEntryPoint(typeof(Recorder.RecorderAddon))]

namespace Recorder;

/// <summary>
/// Records every hook it receives as "hook" or "hook:flow-url", readable through the command NAME.log. Options:
/// NAME_value (any string), NAME_halt_in (a hook name to halt in), NAME_reject (a value of NAME_value to refuse),
/// NAME_log_in (a hook name in which it writes a line to its log).
/// </summary>
public sealed class RecorderAddon : Addon
{
    private static readonly string AddonName =
        typeof(RecorderAddon).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == "AddonName").Value!;

    private readonly Lock _gate = new();
    private readonly List<string> _log = [];
    private IEventBus _bus = null!;
    private IOption<string> _value = null!;
    private IOption<string> _haltIn = null!;
    private IOption<string> _reject = null!;
    private IOption<int> _doneDelay = null!;
    private IOption<string> _logIn = null!;
    private ILogger _logger = null!;

    public override string Name => AddonName;

    public override void Load(IAddonLoader loader)
    {
        Record("load");
        _bus = loader.Bus;
        _logger = loader.Logger;
        _value = loader.AddOption($"{Name}_value", "", "Any value; recorded in configure.");
        _haltIn = loader.AddOption($"{Name}_halt_in", "", "A hook in which this addon halts the chain.");
        _reject = loader.AddOption($"{Name}_reject", "", "A value of the _value option that configure rejects.");
        loader.AddOption($"{Name}_count", 1, "A number, to test typed options.");
        _doneDelay = loader.AddOption($"{Name}_done_delay", 0, "Milliseconds done waits before it finishes.");
        loader.AddOption($"{Name}_mode", "fast", "A choice.", ["fast", "slow"]);
        _logIn = loader.AddOption($"{Name}_log_in", "", "A hook in which this addon writes a line to its log.");
        loader.AddCommand($"{Name}.log", () => Snapshot(), "The hooks recorded so far.");
        loader.AddCommand($"{Name}.clear", () => { lock (_gate) { _log.Clear(); } }, "Forgets the recorded hooks.");
        loader.AddCommand($"{Name}.add", (int a, int b) => a + b, "Adds two whole numbers.");
        loader.AddCommand($"{Name}.join", (string separator, string[] rest) => string.Join(separator, rest), "Joins the rest with a separator.");
        loader.AddCommand($"{Name}.delay", async (int milliseconds, CancellationToken cancellationToken) =>
        {
            await Task.Delay(milliseconds, cancellationToken);
            return milliseconds;
        }, "Waits, then answers the delay.");
        loader.AddCommand($"{Name}.fail", new Func<string>(() => throw new InvalidOperationException("the recorder was asked to fail")), "Throws.");
        loader.AddCommand($"{Name}.flowurl", (Flow flow) => ((HttpFlow)flow).Request.Url, "The URL of one flow.");
        loader.AddCommand($"{Name}.publish", (string url) =>
        {
            var flow = new HttpFlow();
            flow.Request.Path = new Uri(url).PathAndQuery;
            flow.Request.Host = new Uri(url).Host;
            loader.Bus.Publish(flow);
        }, "Publishes an HttpFlow for the URL on the event bus.");
        loader.Bus.Subscribe<HttpFlow>(flow => Record($"bus:{flow.Request.Host}{flow.Request.Path}"));
    }

    public override ValueTask ConfigureAsync(ConfigureContext context)
    {
        Record($"configure:{_value.Value}");
        if (_reject.Value.Length > 0 && _value.Value == _reject.Value)
        {
            context.Reject($"{Name}_value must not be '{_value.Value}'");
        }

        return default;
    }

    public override ValueTask RunningAsync(LifecycleContext context) => Lifecycle("running", context);

    public override async ValueTask DoneAsync(LifecycleContext context)
    {
        if (_doneDelay.Value > 0)
        {
            await Task.Delay(_doneDelay.Value, context.CancellationToken);
        }

        await Lifecycle("done", context);
    }

    public override ValueTask ClientConnectedAsync(ClientConnectionContext context) => Hook("client_connected", context);

    public override ValueTask ClientDisconnectedAsync(ClientConnectionContext context) => Hook("client_disconnected", context);

    public override ValueTask ServerConnectAsync(ServerConnectionContext context) => Hook("server_connect", context);

    public override ValueTask ServerConnectedAsync(ServerConnectionContext context) => Hook("server_connected", context);

    public override ValueTask ServerDisconnectedAsync(ServerConnectionContext context) => Hook("server_disconnected", context);

    public override ValueTask RequestHeadersAsync(HttpFlowContext context) => Hook("requestheaders", context, context.Flow);

    public override ValueTask RequestAsync(HttpFlowContext context) => Hook("request", context, context.Flow);

    public override ValueTask ResponseHeadersAsync(HttpFlowContext context) => Hook("responseheaders", context, context.Flow);

    public override ValueTask ResponseAsync(HttpFlowContext context) => Final("response", context);

    public override ValueTask ErrorAsync(HttpFlowContext context) => Final("error", context);

    public override ValueTask HttpConnectAsync(HttpFlowContext context) => Hook("http_connect", context, context.Flow);

    public override ValueTask TlsClientHelloAsync(TlsClientHelloContext context) => Hook("tls_clienthello", context);

    public override ValueTask TlsEstablishedAsync(TlsContext context) => Hook("tls_established", context);

    public override ValueTask TlsFailedAsync(TlsContext context) => Hook("tls_failed", context);

    public override ValueTask WebSocketStartAsync(HttpFlowContext context) => Hook("websocket_start", context, context.Flow);

    public override ValueTask WebSocketMessageAsync(HttpFlowContext context) => Hook("websocket_message", context, context.Flow);

    public override ValueTask WebSocketEndAsync(HttpFlowContext context) => Hook("websocket_end", context, context.Flow);

    public override ValueTask TcpStartAsync(TcpFlowContext context) => Stream("tcp_start", context, context.Flow.Messages.Count);

    public override ValueTask TcpMessageAsync(TcpFlowContext context) => Stream("tcp_message", context, context.Flow.Messages.Count);

    public override ValueTask TcpEndAsync(TcpFlowContext context) => Stream("tcp_end", context, context.Flow.Messages.Count);

    public override ValueTask TcpErrorAsync(TcpFlowContext context) => Stream("tcp_error", context, context.Flow.Messages.Count);

    public override ValueTask UdpStartAsync(UdpFlowContext context) => Stream("udp_start", context, context.Flow.Messages.Count);

    public override ValueTask UdpMessageAsync(UdpFlowContext context) => Stream("udp_message", context, context.Flow.Messages.Count);

    public override ValueTask UdpEndAsync(UdpFlowContext context) => Stream("udp_end", context, context.Flow.Messages.Count);

    public override ValueTask UdpErrorAsync(UdpFlowContext context) => Stream("udp_error", context, context.Flow.Messages.Count);

    public override ValueTask DnsRequestAsync(DnsFlowContext context) => Stream("dns_request", context, context.Flow.Response is null ? 0 : 1);

    public override ValueTask DnsResponseAsync(DnsFlowContext context) => Stream("dns_response", context, context.Flow.Response is null ? 0 : 1);

    public override ValueTask DnsErrorAsync(DnsFlowContext context) => Stream("dns_error", context, context.Flow.Response is null ? 0 : 1);

    public override ValueTask UpdateAsync(UpdateContext context) =>
        context.Flows is [TcpFlow or UdpFlow or DnsFlow] ? Stream("update", context, -1) : Hook("update", context, context.Flows.Count == 1 ? context.Flows[0] as HttpFlow : null);

    // TCP, UDP and DNS hooks: the hook and how many messages (responses) the flow had at it.
    private ValueTask Stream(string name, HookContext context, int count) => Hook(count < 0 ? name : $"{name}#{count}", context);

    // The flow at its last hook goes out on the bus, so a test can look at everything it recorded.
    private ValueTask Final(string hook, HttpFlowContext context)
    {
        _bus.Publish(new KeyValuePair<string, Flow>(hook, context.Flow));
        return Hook(hook, context, context.Flow);
    }

    // Lifecycle hooks are also announced on the bus as "name:hook", so a test can see their order across addons.
    private ValueTask Lifecycle(string hook, LifecycleContext context)
    {
        _bus.Publish($"{Name}:{hook}");
        return Hook(hook, context);
    }

    private ValueTask Hook(string name, HookContext context, HttpFlow? flow = null)
    {
        Record(flow is null ? name : $"{name}:{flow.Request.Host}{flow.Request.Path}");
        if (_logIn.Value == name)
        {
            _logger.LogInformation("{Addon} logs in {Hook}", Name, name);
        }

        if (_haltIn.Value == name)
        {
            context.Halt();
        }

        return default;
    }

    private void Record(string entry)
    {
        lock (_gate)
        {
            _log.Add(entry);
        }
    }

    private string[] Snapshot()
    {
        lock (_gate)
        {
            return [.. _log];
        }
    }
}
