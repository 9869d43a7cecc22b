using Addons.Abstractions;
using Addons.Abstractions.Events;
using Addons.Abstractions.Flows;
using Addons.Abstractions.Hooks;
using Addons.Abstractions.Options;
using Microsoft.Extensions.Logging;

namespace Addons.Testing.Tests.Probes;

/// <summary>
/// An addon that writes every hook it gets into a <see cref="Journal"/> (<c>name:hook</c>), and halts, kills or throws
/// in the hook it is told to. Options <c>NAME_limit</c> (a whole number, rejected below 0) and <c>NAME_label</c>;
/// commands <c>NAME.add</c>, <c>NAME.url</c> and <c>NAME.fail</c>; it follows <see cref="ProbeMessage"/> on the bus
/// and publishes one in <c>response</c>.
/// </summary>
internal sealed class ProbeAddon(string name, Journal journal) : Addon
{
    private IOption<int> _limit = null!;
    private IOption<string> _label = null!;
    private ILogger _logger = null!;
    private IEventBus _bus = null!;

    public override string Name => name;

    public string? HaltIn { get; init; }

    public string? KillIn { get; init; }

    public string? ThrowIn { get; init; }

    public int Limit => _limit.Value;

    public override void Load(IAddonLoader loader)
    {
        journal.Add($"{name}:load");
        _logger = loader.Logger;
        _bus = loader.Bus;
        _limit = loader.AddOption($"{name}_limit", 10, "A whole number of 0 or more.");
        _label = loader.AddOption($"{name}_label", "", "Any text.");
        loader.AddCommand($"{name}.add", (int a, int b) => a + b, "Adds two whole numbers.");
        loader.AddCommand($"{name}.url", (Flow flow) => ((HttpFlow)flow).Request.Url, "The URL of an HTTP flow.");
        loader.AddCommand($"{name}.fail", new Func<string>(() => throw new InvalidOperationException("the probe was asked to fail")), "Throws.");
        loader.Bus.Subscribe<ProbeMessage>(m => journal.Add($"{name}:received:{m.From}:{m.Text}"));
        _logger.LogInformation("Probe {Name} loaded", name);
    }

    public override ValueTask ConfigureAsync(ConfigureContext context)
    {
        journal.Add($"{name}:configure:{(context.IsInitial ? "initial" : "change")}:{string.Join(",", context.Updated.Order(StringComparer.Ordinal))}");
        if (_limit.Value < 0)
        {
            context.Reject($"{name}_limit must be 0 or more, not {_limit.Value}");
        }
        else if (_label.Value == "warn")
        {
            _logger.LogWarning("Probe {Name} got the label warn", name);
        }

        return default;
    }

    public override ValueTask RunningAsync(LifecycleContext context) => Step("running", context);

    public override ValueTask DoneAsync(LifecycleContext context) => Step("done", context);

    public override ValueTask ClientConnectedAsync(ClientConnectionContext context) => Step("client_connected", context);

    public override ValueTask RequestHeadersAsync(HttpFlowContext context) => Step("requestheaders", context, context.Flow);

    public override ValueTask RequestAsync(HttpFlowContext context) => Step("request", context, context.Flow);

    public override ValueTask ResponseHeadersAsync(HttpFlowContext context) => Step("responseheaders", context, context.Flow);

    public override ValueTask ResponseAsync(HttpFlowContext context) => Step("response", context, context.Flow);

    public override ValueTask ErrorAsync(HttpFlowContext context) => Step("error", context, context.Flow);

    public override ValueTask WebSocketStartAsync(HttpFlowContext context) => Step("websocket_start", context, context.Flow);

    public override ValueTask WebSocketMessageAsync(HttpFlowContext context) => Step($"websocket_message({context.Flow.WebSocket!.Messages.Count})", context, context.Flow);

    public override ValueTask WebSocketEndAsync(HttpFlowContext context) => Step("websocket_end", context, context.Flow);

    public override ValueTask TcpStartAsync(TcpFlowContext context) => Step($"tcp_start({context.Flow.Messages.Count})", context, context.Flow);

    public override ValueTask TcpMessageAsync(TcpFlowContext context) => Step($"tcp_message({context.Flow.Messages.Count})", context, context.Flow);

    public override ValueTask TcpEndAsync(TcpFlowContext context) => Step("tcp_end", context, context.Flow);

    public override ValueTask TcpErrorAsync(TcpFlowContext context) => Step("tcp_error", context, context.Flow);

    public override ValueTask UdpStartAsync(UdpFlowContext context) => Step($"udp_start({context.Flow.Messages.Count})", context, context.Flow);

    public override ValueTask UdpMessageAsync(UdpFlowContext context) => Step($"udp_message({context.Flow.Messages.Count})", context, context.Flow);

    public override ValueTask UdpEndAsync(UdpFlowContext context) => Step("udp_end", context, context.Flow);

    public override ValueTask DnsRequestAsync(DnsFlowContext context) => Step("dns_request", context, context.Flow);

    public override ValueTask DnsResponseAsync(DnsFlowContext context) => Step("dns_response", context, context.Flow);

    public override ValueTask DnsErrorAsync(DnsFlowContext context) => Step("dns_error", context, context.Flow);

    public override ValueTask UpdateAsync(UpdateContext context) => Step("update", context);

    private ValueTask Step(string hook, HookContext context, Flow? flow = null)
    {
        journal.Add($"{name}:{hook}");
        var bare = hook.Split('(')[0];
        if (bare == "response")
        {
            _bus.Publish(new ProbeMessage(name, "responded"));
        }

        if (bare == ThrowIn)
        {
            throw new InvalidOperationException($"{name} was told to throw in {bare}");
        }

        if (bare == HaltIn)
        {
            context.Halt();
        }

        if (bare == KillIn)
        {
            flow?.Kill();
        }

        return default;
    }
}
