namespace Addons.Abstractions.Flows;

/// <summary>
/// A recorded unit of traffic. Flows are mutable while hooks run: what an addon changes is what the proxy sends on.
/// </summary>
public abstract class Flow
{
    private TaskCompletionSource? _resume;

    /// <summary>Creates a flow with a fresh id, created now.</summary>
    protected Flow()
    {
        Id = RandomIds.Next();
        TimestampCreated = DateTimeOffset.UtcNow;
    }

    /// <summary>The flow's unique id (a random UUID).</summary>
    public Guid Id { get; set; }

    /// <summary>What kind of traffic this flow records.</summary>
    public abstract FlowType Type { get; }

    /// <summary>The client side of the connection.</summary>
    public ClientConnection Client { get; set; } = new();

    /// <summary>The server side of the connection.</summary>
    public ServerConnection Server { get; set; } = new();

    /// <summary>The error that ended the flow, if any.</summary>
    public FlowError? Error { get; set; }

    /// <summary>When the flow was created; kept when the flow is replayed.</summary>
    public DateTimeOffset TimestampCreated { get; set; }

    /// <summary>The mark: an empty string when unmarked, otherwise a marker such as <c>:default:</c> or a single character.</summary>
    public string Marked { get; set; } = "";

    /// <summary>A free-text comment a user or addon attached.</summary>
    public string Comment { get; set; } = "";

    /// <summary>Free-form data addons attach to the flow; saved with it.</summary>
    public IDictionary<string, string> Metadata { get; set; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Whether and how this flow is a replay.</summary>
    public ReplayKind IsReplay { get; set; }

    /// <summary>Whether the flow belongs to a connection that is still open.</summary>
    public bool Live { get; set; }

    /// <summary>Whether the flow is held by <see cref="Intercept"/> until <see cref="Resume"/>.</summary>
    public bool Intercepted => _resume is not null;

    /// <summary>Whether an addon or the user killed the flow.</summary>
    public bool IsKilled => Error?.IsKill == true;

    /// <summary>Whether the flow can still be killed (it is live and not already killed).</summary>
    public bool Killable => Live && !IsKilled;

    /// <summary>Kills the flow: the proxy drops its connection and the flow ends with an error.</summary>
    public void Kill()
    {
        Error = new FlowError(FlowError.KilledMessage, DateTimeOffset.UtcNow);
        Resume();
    }

    /// <summary>Holds the flow after the current hook until <see cref="Resume"/> is called.</summary>
    public void Intercept()
    {
        Interlocked.CompareExchange(ref _resume, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), null);
    }

    /// <summary>Releases a flow held by <see cref="Intercept"/>.</summary>
    public void Resume() => Interlocked.Exchange(ref _resume, null)?.TrySetResult();

    /// <summary>Completes when the flow is not intercepted (at once if it is not).</summary>
    public Task WaitForResumeAsync(CancellationToken cancellationToken = default) =>
        Volatile.Read(ref _resume) is { } pending ? pending.Task.WaitAsync(cancellationToken) : Task.CompletedTask;

    /// <summary>A deep copy of the flow with a new id, not live and not intercepted.</summary>
    public abstract Flow Copy();

    /// <summary>Copies the fields every flow has into <paramref name="target"/>, cloning mutable parts.</summary>
    protected void CopyTo(Flow target)
    {
        ArgumentNullException.ThrowIfNull(target);
        target.Client = Client.Clone();
        target.Server = Server.Clone();
        target.Error = Error;
        target.TimestampCreated = TimestampCreated;
        target.Marked = Marked;
        target.Comment = Comment;
        target.Metadata = new Dictionary<string, string>(Metadata, StringComparer.Ordinal);
        target.IsReplay = IsReplay;
        target.Live = false;
    }
}
