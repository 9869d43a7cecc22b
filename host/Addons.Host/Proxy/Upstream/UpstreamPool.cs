using System.Collections.Concurrent;

namespace Addons.Host.Proxy.Upstream;

/// <summary>
/// Idle keep-alive connections to servers, by scheme, host and port. A connection is taken by one exchange at a time
/// and returned when its response was complete and the server allows reuse.
/// </summary>
internal sealed class UpstreamPool : IAsyncDisposable
{
    private const int MaxIdlePerKey = 64;
    private static readonly TimeSpan MaxIdleTime = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<UpstreamKey, ConcurrentStack<UpstreamConnection>> _idle = new();

    /// <summary>Called for every connection the pool closes, so that <c>server_disconnected</c> fires.</summary>
    public Func<UpstreamConnection, ValueTask>? Closed { get; set; }

    public async ValueTask<UpstreamConnection?> TakeAsync(UpstreamKey key)
    {
        if (!_idle.TryGetValue(key, out var stack))
        {
            return null;
        }

        while (stack.TryPop(out var connection))
        {
            if (connection.LooksReusable() && DateTimeOffset.UtcNow - connection.IdleSince < MaxIdleTime)
            {
                return connection;
            }

            await CloseAsync(connection).ConfigureAwait(false);
        }

        return null;
    }

    public async ValueTask ReturnAsync(UpstreamConnection connection)
    {
        var stack = _idle.GetOrAdd(connection.Key, static _ => new ConcurrentStack<UpstreamConnection>());
        if (stack.Count >= MaxIdlePerKey)
        {
            await CloseAsync(connection).ConfigureAwait(false);
            return;
        }

        connection.IdleSince = DateTimeOffset.UtcNow;
        stack.Push(connection);
    }

    public async ValueTask CloseAsync(UpstreamConnection connection)
    {
        if (connection.IsDisposed)
        {
            return;
        }

        await connection.DisposeAsync().ConfigureAwait(false);
        if (Closed is { } closed)
        {
            await closed(connection).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var stack in _idle.Values)
        {
            while (stack.TryPop(out var connection))
            {
                await CloseAsync(connection).ConfigureAwait(false);
            }
        }
    }
}
