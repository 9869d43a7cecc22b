using Addons.Abstractions.Flows;

namespace Addons.Host.Replay;

/// <summary>
/// One request waiting to be replayed, or being replayed: the copy that goes through the hooks as a new flow, and the
/// flow it was copied from.
/// </summary>
internal sealed class QueuedReplay(HttpFlow copy, Guid sourceId)
{
    private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The new flow: a fresh id, marked as a replayed request, without response or error.</summary>
    public HttpFlow Flow { get; } = copy;

    /// <summary>The id of the flow it was copied from.</summary>
    public Guid SourceId { get; } = sourceId;

    /// <summary>Completes once the replay ended (answered, failed, or taken off the queue before it was sent).</summary>
    public Task Finished => _finished.Task;

    public void Finish() => _finished.TrySetResult();
}
