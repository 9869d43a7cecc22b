using Addons.Abstractions;
using Addons.Abstractions.Flows;
using Addons.Abstractions.Hooks;

namespace Addons.Host.Tests.Infrastructure;

/// <summary>
/// An addon a test puts in the chain in process: it records the HTTP hooks each flow goes through, and lets the test
/// await a flow's end (its response or its error) or any state of a flow a hook left it in, instead of polling.
/// </summary>
internal sealed class FlowProbe : Addon
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly Lock _gate = new();
    private readonly List<HttpFlow> _ended = [];
    private readonly Dictionary<HttpFlow, List<string>> _hooks = new(ReferenceEqualityComparer.Instance);
    private readonly List<(Func<HttpFlow, bool> Condition, bool AtEnd, TaskCompletionSource<HttpFlow> Found)> _waiting = [];

    public override string Name => "probe";

    /// <summary>The flows whose response or error hook ran, in that order.</summary>
    public IReadOnlyList<HttpFlow> Ended
    {
        get
        {
            lock (_gate)
            {
                return [.. _ended];
            }
        }
    }

    /// <summary>The hooks a flow went through, in order (updates left out).</summary>
    public IReadOnlyList<string> HooksOf(HttpFlow flow)
    {
        lock (_gate)
        {
            return _hooks.TryGetValue(flow, out var hooks) ? [.. hooks] : [];
        }
    }

    /// <summary>The first flow that ended and meets the condition, now or once one does.</summary>
    public Task<HttpFlow> EndedAsync(Func<HttpFlow, bool> condition) => WaitAsync(condition, atEnd: true);

    /// <summary>The first flow that meets the condition after one of its hooks or updates, from now on.</summary>
    public Task<HttpFlow> SeenAsync(Func<HttpFlow, bool> condition) => WaitAsync(condition, atEnd: false);

    public override ValueTask RequestHeadersAsync(HttpFlowContext context) => Record(context.Flow, "requestheaders");

    public override ValueTask RequestAsync(HttpFlowContext context) => Record(context.Flow, "request");

    public override ValueTask ResponseHeadersAsync(HttpFlowContext context) => Record(context.Flow, "responseheaders");

    public override ValueTask ResponseAsync(HttpFlowContext context) => Record(context.Flow, "response", ends: true);

    public override ValueTask ErrorAsync(HttpFlowContext context) => Record(context.Flow, "error", ends: true);

    public override ValueTask UpdateAsync(UpdateContext context)
    {
        foreach (var flow in context.Flows.OfType<HttpFlow>())
        {
            Notify(flow, ended: false);
        }

        return default;
    }

    private Task<HttpFlow> WaitAsync(Func<HttpFlow, bool> condition, bool atEnd)
    {
        lock (_gate)
        {
            if (atEnd && _ended.FirstOrDefault(condition) is { } found)
            {
                return Task.FromResult(found);
            }

            var waiter = new TaskCompletionSource<HttpFlow>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiting.Add((condition, atEnd, waiter));
            return waiter.Task.WaitAsync(Patience);
        }
    }

    private ValueTask Record(HttpFlow flow, string hook, bool ends = false)
    {
        lock (_gate)
        {
            if (!_hooks.TryGetValue(flow, out var hooks))
            {
                _hooks[flow] = hooks = [];
            }

            hooks.Add(hook);
            if (ends)
            {
                _ended.Add(flow);
            }
        }

        Notify(flow, ends);
        return default;
    }

    private void Notify(HttpFlow flow, bool ended)
    {
        List<TaskCompletionSource<HttpFlow>> found = [];
        lock (_gate)
        {
            for (var i = _waiting.Count - 1; i >= 0; i--)
            {
                var (condition, atEnd, waiter) = _waiting[i];
                if ((!atEnd || ended) && condition(flow))
                {
                    found.Add(waiter);
                    _waiting.RemoveAt(i);
                }
            }
        }

        foreach (var waiter in found)
        {
            waiter.TrySetResult(flow);
        }
    }
}
