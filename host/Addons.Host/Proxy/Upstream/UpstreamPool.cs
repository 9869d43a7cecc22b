using System.Collections.Concurrent;
using Addons.Host.Diagnostics;

namespace Addons.Host.Proxy.Upstream;

/// <summary>
/// Idle keep-alive connections to servers, by scheme, host and port. A connection is taken by one exchange at a time
/// and returned when its response was complete and the server allows reuse. Each take is a hit or a miss in the metrics.
/// </summary>
internal sealed class UpstreamPool(HostMetrics metrics) : IAsyncDisposable
{
    private const int MaxIdlePerKey = 256;
    private static readonly TimeSpan MaxIdleTime = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<UpstreamKey, IdleStack> _idle = new();

    /// <summary>Called for every connection the pool closes, so that <c>server_disconnected</c> fires.</summary>
    public Func<UpstreamConnection, ValueTask>? Closed { get; set; }

    public async ValueTask<UpstreamConnection?> TakeAsync(UpstreamKey key)
    {
        if (_idle.TryGetValue(key, out var stack))
        {
            while (stack.TryPop(out var connection))
            {
                Interlocked.Decrement(ref stack.Idle);
                if (connection.LooksReusable() && DateTimeOffset.UtcNow - connection.IdleSince < MaxIdleTime)
                {
                    metrics.PoolTaken(hit: true);
                    return connection;
                }

                await CloseAsync(connection).ConfigureAwait(false);
            }
        }

        metrics.PoolTaken(hit: false);
        return null;
    }

    public async ValueTask ReturnAsync(UpstreamConnection connection)
    {
        // ConcurrentStack.Count walks the stack; with a hundred idle connections per server that is a cost per exchange.
        var stack = _idle.GetOrAdd(connection.Key, static _ => new IdleStack());
        if (Interlocked.Increment(ref stack.Idle) > MaxIdlePerKey)
        {
            Interlocked.Decrement(ref stack.Idle);
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
                Interlocked.Decrement(ref stack.Idle);
                await CloseAsync(connection).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The idle connections to one server, with their number kept beside them.</summary>
    private sealed class IdleStack : ConcurrentStack<UpstreamConnection>
    {
        public int Idle;
    }
}
