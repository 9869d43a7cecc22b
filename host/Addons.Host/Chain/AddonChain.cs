using System.Diagnostics;
using Addons.Abstractions.Flows;
using Addons.Abstractions.Hooks;
using Addons.Host.Diagnostics;
using Addons.Host.Loading;
using Microsoft.Extensions.Logging;

namespace Addons.Host.Chain;

/// <summary>
/// The ordered addons and the delivery of hooks to them: one addon at a time, in order, each call isolated so that
/// an addon's exception is counted and logged (<see cref="HookFailureLog"/>) and the next addon still runs. Only addons
/// that override a hook are called for it. <see cref="HookContext.Halt"/> stops one event. What an addon logs in a hook
/// about a flow carries the addon's name and the flow's id as scope fields.
/// </summary>
internal sealed partial class AddonChain(ILogger<AddonChain> logger, ILoggerFactory loggers, HostMetrics metrics, TimeProvider time) : IDisposable
{
    private readonly Lock _gate = new();
    private readonly HookFailureLog _failures = new(logger, time);
    private ChainSlot[] _slots = [];
    private LoadedAddon[] _addons = [];
    private ChainSlot[][] _byHook = [.. HookTable.All.Select(_ => Array.Empty<ChainSlot>())];

    /// <summary>
    /// Whether what an addon logs in a flow's hook carries its name and the flow's id as a scope (<c>Addon</c>,
    /// <c>FlowId</c>); on when the log shows scopes (<see cref="Hosting.LogScopeSetting"/>).
    /// </summary>
    public bool LogScopes { get; set; }

    /// <summary>The addons in chain order.</summary>
    public IReadOnlyList<LoadedAddon> Addons => Volatile.Read(ref _addons);

    public LoadedAddon? Find(string name) => Addons.FirstOrDefault(a => a.Name == name);

    /// <summary>Adds an addon at the end; a watched plugin comes with the <paramref name="gate"/> its hooks pass.</summary>
    public void Add(LoadedAddon addon, HookGate? gate = null)
    {
        lock (_gate)
        {
            Rebuild([.. _slots, new ChainSlot(addon, gate, loggers.CreateLogger(addon.LogCategory))]);
        }
    }

    public void Remove(LoadedAddon addon)
    {
        lock (_gate)
        {
            Rebuild([.. _slots.Where(s => !ReferenceEquals(s.Addon, addon))]);
        }
    }

    /// <summary>The gate of a watched plugin's place in the chain; null for an addon that is not watched or not in the chain.</summary>
    public HookGate? GateOf(LoadedAddon addon) => Array.Find(Volatile.Read(ref _slots), s => ReferenceEquals(s.Addon, addon))?.Gate;

    /// <summary>
    /// Puts <paramref name="next"/> in the place of <paramref name="previous"/>, keeping its order and gate. A delivery
    /// already under way reaches <paramref name="next"/> there, if it implements the hook.
    /// </summary>
    public void Replace(LoadedAddon previous, LoadedAddon next)
    {
        lock (_gate)
        {
            var slot = Array.Find(_slots, s => ReferenceEquals(s.Addon, previous))
                ?? throw new InvalidOperationException($"Addon '{previous.Name}' is not in the chain.");
            slot.Swap(next, loggers.CreateLogger(next.LogCategory));
            Rebuild(_slots);
        }
    }

    /// <summary>Delivers a hook to every addon that implements it, in order, until one halts.</summary>
    public async ValueTask InvokeAsync(Hook hook, HookContext context, Flow? flow = null)
    {
        var descriptor = HookTable.Get(hook);
        foreach (var slot in Volatile.Read(ref _byHook)[(int)hook])
        {
            await InvokeOneAsync(descriptor, slot, context, flow).ConfigureAwait(false);
            if (context.IsHalted)
            {
                break;
            }
        }
    }

    /// <summary>Delivers a flow hook, then <c>update</c> for that flow (mitmproxy's handle_lifecycle).</summary>
    public ValueTask HandleFlowAsync(Hook hook, HttpFlowContext context) => HandleFlowAsync(hook, context, context.Flow);

    /// <summary>
    /// Delivers a flow hook and <c>update</c>, then waits while an addon intercepts the flow, as the proxy and the
    /// injector do at each step of a flow; false when the flow is killed. A flow killed by this step before it
    /// completed gets its error hook too (mitmproxy's check_killed), so that the addons that keep or print finished
    /// flows see it end.
    /// </summary>
    public async ValueTask<bool> StepAsync(Hook hook, HookContext context, Flow flow, CancellationToken cancellationToken)
    {
        if (hook is Hook.HttpConnect or Hook.RequestHeaders or Hook.TcpStart or Hook.UdpStart or Hook.DnsRequest)
        {
            metrics.FlowStarted(flow.Type);
        }

        var before = flow.Error;
        await HandleFlowAsync(hook, context, flow).ConfigureAwait(false);
        await flow.WaitForResumeAsync(cancellationToken).ConfigureAwait(false);
        if (!flow.IsKilled)
        {
            return true;
        }

        if (!ReferenceEquals(flow.Error, before) && ErrorAfterKill(hook, flow, cancellationToken) is var (error, errorContext))
        {
            await HandleFlowAsync(error, errorContext, flow).ConfigureAwait(false);
        }

        return false;
    }

    /// <summary>The error hook a kill at <paramref name="hook"/> ends the flow with; none once the flow completed.</summary>
    private static (Hook Hook, HookContext Context)? ErrorAfterKill(Hook hook, Flow flow, CancellationToken cancellationToken) => (hook, flow) switch
    {
        (Hook.RequestHeaders or Hook.Request or Hook.ResponseHeaders, HttpFlow http) => (Hook.Error, new HttpFlowContext(http, cancellationToken)),
        (Hook.TcpStart or Hook.TcpMessage, TcpFlow tcp) => (Hook.TcpError, new TcpFlowContext(tcp, cancellationToken)),
        (Hook.UdpStart or Hook.UdpMessage, UdpFlow udp) => (Hook.UdpError, new UdpFlowContext(udp, cancellationToken)),
        (Hook.DnsRequest, DnsFlow dns) => (Hook.DnsError, new DnsFlowContext(dns, cancellationToken)),
        _ => null,
    };

    /// <summary>Delivers a TCP, UDP or DNS flow hook, then <c>update</c> for that flow.</summary>
    public async ValueTask HandleFlowAsync(Hook hook, HookContext context, Flow flow)
    {
        await InvokeAsync(hook, context, flow).ConfigureAwait(false);

        // The context and its one-flow list only when some addon listens: several hooks a flow otherwise make them for none.
        if (Volatile.Read(ref _byHook)[(int)Hook.Update].Length > 0)
        {
            await InvokeAsync(Hook.Update, new UpdateContext([flow], context.CancellationToken), flow).ConfigureAwait(false);
        }
    }

    /// <summary>Delivers <c>configure</c>; returns the first rejection as a sentence naming the addon, or <c>null</c>.</summary>
    public async ValueTask<string?> ConfigureAsync(IReadOnlySet<string> updated, bool isInitial, CancellationToken cancellationToken)
    {
        var context = new ConfigureContext(updated, isInitial, cancellationToken);
        var descriptor = HookTable.Get(Hook.Configure);
        foreach (var slot in Volatile.Read(ref _byHook)[(int)Hook.Configure])
        {
            await InvokeOneAsync(descriptor, slot, context, null).ConfigureAwait(false);
            if (context.RejectionReason is { } reason)
            {
                return Rejected(slot.Addon, reason);
            }

            if (context.IsHalted)
            {
                break;
            }
        }

        return null;
    }

    /// <summary>
    /// Delivers <c>done</c> in reverse chain order. Every addon gets its turn: one that overruns the shutdown timeout
    /// (its token is cancelled) is logged and the next addon still stops.
    /// </summary>
    public async ValueTask DoneAsync(CancellationToken cancellationToken)
    {
        var context = new LifecycleContext(cancellationToken);
        var descriptor = HookTable.Get(Hook.Done);
        foreach (var slot in Volatile.Read(ref _byHook)[(int)Hook.Done].Reverse())
        {
            try
            {
                await InvokeOneAsync(descriptor, slot, context, null).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                DoneCancelled(logger, slot.Addon.Name);
            }

            if (context.IsHalted)
            {
                break;
            }
        }

        // The failures left out of the log since the last summary are told now, not after the host is gone.
        _failures.Flush();
    }

    /// <summary>
    /// Delivers a hook to one addon only, directly, whatever its place's gate: its own <c>done</c> when it is unloaded,
    /// or its lifecycle when a reload swaps it.
    /// </summary>
    public async ValueTask InvokeOneAsync(Hook hook, LoadedAddon addon, HookContext context)
    {
        if (addon.Implements(hook))
        {
            await InvokeOneAsync(HookTable.Get(hook), addon, context, null, null).ConfigureAwait(false);
        }

        if (hook == Hook.Done)
        {
            _failures.Flush(addon.Name);
        }
    }

    /// <summary>Delivers <c>configure</c> to one addon; its rejection as a sentence naming it, or <c>null</c>.</summary>
    public async ValueTask<string?> ConfigureOneAsync(LoadedAddon addon, IReadOnlySet<string> updated, bool isInitial, CancellationToken cancellationToken)
    {
        var context = new ConfigureContext(updated, isInitial, cancellationToken);
        await InvokeOneAsync(Hook.Configure, addon, context).ConfigureAwait(false);
        return context.RejectionReason is { } reason ? Rejected(addon, reason) : null;
    }

    /// <summary>Stops the timer that writes the failure summaries.</summary>
    public void Dispose() => _failures.Dispose();

    private static string Rejected(LoadedAddon addon, string reason) => $"Addon '{addon.Name}' rejected the options: {reason.TrimEnd('.')}.";

    /// <summary>An addon's place: directly, or through the gate of a watched plugin to whichever instance is there then.</summary>
    private ValueTask InvokeOneAsync(HookDescriptor descriptor, ChainSlot slot, HookContext context, Flow? flow) =>
        slot.Gate is null ? InvokeOneAsync(descriptor, slot.Addon, context, flow, slot.Logger) : InvokeGatedAsync(descriptor, slot, slot.Gate, context, flow);

    private async ValueTask InvokeGatedAsync(HookDescriptor descriptor, ChainSlot slot, HookGate gate, HookContext context, Flow? flow)
    {
        if (!gate.TryEnter())
        {
            await gate.EnterAsync(context.CancellationToken).ConfigureAwait(false);
        }

        try
        {
            // The build in place now, which need not implement what the one that was there when the delivery began did.
            var addon = slot.Addon;
            if (addon.Implements(descriptor.Hook))
            {
                await InvokeOneAsync(descriptor, addon, context, flow, slot.Logger).ConfigureAwait(false);
            }
        }
        finally
        {
            gate.Exit();
        }
    }

    /// <param name="addonLogger">The logger of the addon's category, asked whether a scope is worth beginning; null for none.</param>
    private async ValueTask InvokeOneAsync(HookDescriptor descriptor, LoadedAddon addon, HookContext context, Flow? flow, ILogger? addonLogger)
    {
        // A scope costs objects and an async-local change per addon and hook, a measured share of the proxy's throughput:
        // it is begun only where the log shows scopes (LogScopes), and the addon's category is on.
        using var scope = LogScopes && flow is not null && addonLogger is not null && addonLogger.IsEnabled(LogLevel.Critical)
            ? addonLogger.BeginScope(new HookScope(addon.Name, flow.Id))
            : null;
        var started = metrics.HookDurationEnabled ? Stopwatch.GetTimestamp() : 0;
        try
        {
            await descriptor.Invoke(addon.Instance, context).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            metrics.HookFailed(addon.Name, descriptor.Name);
            _failures.Report(addon.Name, descriptor.Name, flow?.Id, ex);
        }
        finally
        {
            metrics.HookTimed(addon.Name, descriptor.Name, started);
        }
    }

    private void Rebuild(ChainSlot[] slots)
    {
        Volatile.Write(ref _slots, slots);
        Volatile.Write(ref _addons, [.. slots.Select(s => s.Addon)]);
        Volatile.Write(ref _byHook, [.. HookTable.All.Select(h => slots.Where(s => s.Addon.Implements(h.Hook)).ToArray())]);
    }

    [LoggerMessage(EventId = 102, Level = LogLevel.Warning, Message = "Addon '{Addon}' did not finish 'done' within the shutdown timeout")]
    private static partial void DoneCancelled(ILogger logger, string addon);
}
