using Addons.Abstractions;
using Addons.Abstractions.Flows;
using Addons.Abstractions.Hooks;

namespace Addons.Host.Tests.Infrastructure;

/// <summary>Holds requests for /hold in requestheaders until released, kills those for /kill, and reports flows' ends.</summary>
internal sealed class HoldingAddon : Addon
{
    private readonly List<(string Path, TaskCompletionSource<HttpFlow> Ended)> _waiting = [];
    private TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public override string Name => "hold";

    /// <summary>Completes when a /hold request has entered requestheaders.</summary>
    public Task Entered => _entered.Task;

    public void Release()
    {
        _release.TrySetResult();
        _release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public Task<HttpFlow> EndedAsync(string path)
    {
        var ended = new TaskCompletionSource<HttpFlow>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_waiting)
        {
            _waiting.Add((path, ended));
        }

        return ended.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    public override async ValueTask RequestHeadersAsync(HttpFlowContext context)
    {
        switch (context.Flow.Request.Path)
        {
            case "/hold":
                _entered.TrySetResult();
                await _release.Task.WaitAsync(TimeSpan.FromSeconds(20), context.CancellationToken);
                break;
            case "/kill":
                context.Flow.Kill();
                break;
        }
    }

    public override ValueTask ErrorAsync(HttpFlowContext context) => Ended(context.Flow);

    public override ValueTask ResponseAsync(HttpFlowContext context) => Ended(context.Flow);

    private ValueTask Ended(HttpFlow flow)
    {
        lock (_waiting)
        {
            foreach (var (path, ended) in _waiting.Where(w => w.Path == flow.Request.Path).ToList())
            {
                ended.TrySetResult(flow);
                _waiting.RemoveAll(w => w.Ended == ended);
            }
        }

        return ValueTask.CompletedTask;
    }
}
