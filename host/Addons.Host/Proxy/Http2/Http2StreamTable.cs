namespace Addons.Host.Proxy.Http2;

/// <summary>
/// The open streams of one HTTP/2 connection, shared by its read loop and the streams' exchanges, and a way to wait
/// until the last of them is gone.
/// </summary>
internal sealed class Http2StreamTable
{
    private readonly Dictionary<int, Http2Stream> _streams = [];
    private readonly HashSet<int> _finished = [];
    private readonly Lock _gate = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _streams.Count;
            }
        }
    }

    public Http2Stream? Find(int id)
    {
        lock (_gate)
        {
            return _streams.GetValueOrDefault(id);
        }
    }

    /// <summary>
    /// Adds a stream if fewer than <paramref name="limit"/> are open, not counting those <see cref="Finish"/>ed; the
    /// number open before, otherwise.
    /// </summary>
    public bool TryAdd(Http2Stream stream, int limit, out int open)
    {
        lock (_gate)
        {
            open = _streams.Count - _finished.Count;
            if (open >= limit)
            {
                return false;
            }

            _streams[stream.Id] = stream;
            return true;
        }
    }

    /// <summary>
    /// The stream's last frame is about to go out: the peer may open another as soon as it arrives, so the stream no
    /// longer counts against the concurrency limit, though its exchange may still be finishing.
    /// </summary>
    public void Finish(Http2Stream stream)
    {
        lock (_gate)
        {
            if (_streams.ContainsKey(stream.Id))
            {
                _finished.Add(stream.Id);
            }
        }
    }

    /// <summary>Removes a stream; true if it was there. Whoever waits for a change is woken.</summary>
    public bool Remove(Http2Stream stream)
    {
        lock (_gate)
        {
            _finished.Remove(stream.Id);
            var removed = _streams.Remove(stream.Id);
            Pulse();
            return removed;
        }
    }

    public List<Http2Stream> Snapshot()
    {
        lock (_gate)
        {
            return [.. _streams.Values];
        }
    }

    /// <summary>Completes when a stream is removed, or <see cref="Pulse"/> is called, after this call.</summary>
    public Task Changed()
    {
        lock (_gate)
        {
            return _changed.Task;
        }
    }

    /// <summary>Wakes whoever waits for a change (a stream slot may be free).</summary>
    public void Pulse()
    {
        lock (_gate)
        {
            var changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            changed.SetResult();
        }
    }

    /// <summary>Resets every stream still open and waits until their exchanges have removed them.</summary>
    public async Task ResetAllAndWaitAsync(string? reason)
    {
        foreach (var stream in Snapshot())
        {
            stream.Reset(null, reason);
        }

        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (_streams.Count == 0)
                {
                    return;
                }

                changed = _changed.Task;
            }

            await changed.ConfigureAwait(false);
        }
    }
}
