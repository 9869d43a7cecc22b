namespace Addons.Host.Replay;

/// <summary>
/// The replays waiting and in flight, sent in the order they were queued with at most <see cref="Concurrency"/> in
/// flight at once (mitmproxy's default of 1 sends each only once the one before it ended; -1 sets no limit). Nothing
/// is sent before <see cref="Start"/>; <see cref="StopAsync"/> takes the waiting ones off and cancels those in flight.
/// </summary>
internal sealed class ReplayQueue(Func<QueuedReplay, CancellationToken, Task> send)
{
    private readonly Lock _gate = new();
    private readonly LinkedList<QueuedReplay> _waiting = [];
    private readonly Dictionary<QueuedReplay, Task> _inFlight = [];
    private readonly CancellationTokenSource _stop = new();
    private int _concurrency = 1;
    private bool _started;
    private bool _stopped;

    /// <summary>How many replays may be in flight at once; -1 for no limit.</summary>
    public int Concurrency
    {
        get => Volatile.Read(ref _concurrency);
        set
        {
            Volatile.Write(ref _concurrency, value);
            Pump();
        }
    }

    /// <summary>The replays waiting and in flight (mitmproxy's <c>replay.client.count</c>).</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _waiting.Count + _inFlight.Count;
            }
        }
    }

    public void Enqueue(IEnumerable<QueuedReplay> replays)
    {
        lock (_gate)
        {
            foreach (var replay in replays)
            {
                if (_stopped)
                {
                    replay.Finish();
                    continue;
                }

                _waiting.AddLast(replay);
            }
        }

        Pump();
    }

    /// <summary>Starts sending (at <c>running</c>, as mitmproxy's playback task starts).</summary>
    public void Start()
    {
        lock (_gate)
        {
            _started = true;
        }

        Pump();
    }

    /// <summary>Takes every waiting replay off the queue; those in flight go on. Returns those taken off.</summary>
    public IReadOnlyList<QueuedReplay> Clear()
    {
        List<QueuedReplay> cleared;
        lock (_gate)
        {
            cleared = [.. _waiting];
            _waiting.Clear();
        }

        foreach (var replay in cleared)
        {
            replay.Finish();
        }

        return cleared;
    }

    /// <summary>
    /// Sends nothing more: the waiting replays are taken off, those in flight cancelled (each ends in its error hook),
    /// and this waits until they have ended or <paramref name="cancellationToken"/> gives up.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        Task[] inFlight;
        lock (_gate)
        {
            _stopped = true;
            inFlight = [.. _inFlight.Values];
        }

        Clear();
        await _stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(inFlight).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends the next waiting replays while there is room in flight.</summary>
    private void Pump()
    {
        while (true)
        {
            lock (_gate)
            {
                var limit = Concurrency;
                if (!_started || _stopped || _waiting.First is null || (limit > 0 && _inFlight.Count >= limit))
                {
                    return;
                }

                var next = _waiting.First.Value;
                _waiting.RemoveFirst();

                // Its end takes this lock to remove it, so it is always registered first.
                _inFlight[next] = RunAsync(next);
            }
        }
    }

    private async Task RunAsync(QueuedReplay replay)
    {
        // Off the caller's thread: a command that queues replays returns at once.
        await Task.Yield();
        try
        {
            await send(replay, _stop.Token).ConfigureAwait(false);
        }
        finally
        {
            replay.Finish();
            lock (_gate)
            {
                _inFlight.Remove(replay);
            }

            Pump();
        }
    }
}
