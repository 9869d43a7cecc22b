namespace Addons.Host.Proxy.Http1;

/// <summary>
/// A timeout that restarts with every read: a peer that keeps sending is never cut off, one that stalls for longer
/// than the timeout is. Once it fires, the connection is finished.
/// </summary>
internal sealed class ReadDeadline : IDisposable
{
    private readonly CancellationTokenSource _source;
    private readonly TimeSpan _timeout;

    public ReadDeadline(TimeSpan timeout, CancellationToken outer)
    {
        _timeout = timeout;
        _source = CancellationTokenSource.CreateLinkedTokenSource(outer);
        Outer = outer;
    }

    public CancellationToken Outer { get; }

    /// <summary>Whether the deadline (not the outer token) ended a read.</summary>
    public bool Expired => _source.IsCancellationRequested && !Outer.IsCancellationRequested;

    /// <summary>Starts the timeout again and returns the token for the next read.</summary>
    public CancellationToken Arm()
    {
        if (_timeout > TimeSpan.Zero && _timeout != Timeout.InfiniteTimeSpan)
        {
            _source.CancelAfter(_timeout);
        }

        return _source.Token;
    }

    /// <summary>Ends the read now, as the deadline would (the host stopping closes an idle connection so).</summary>
    public void Cancel()
    {
        try
        {
            _source.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The read finished and the deadline went with it.
        }
    }

    public void Dispose() => _source.Dispose();
}
