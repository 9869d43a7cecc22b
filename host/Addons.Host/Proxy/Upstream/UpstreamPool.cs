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

    private readonly ConcurrentDictionary<UpstreamKey, ConcurrentStack<UpstreamConnection>> _idle = new();

    /// <summary>Called for every connection the pool closes, so that <c>server_disconnected</c> fires.</summary>
    public Func<UpstreamConnection, ValueTask>? Closed { get; set; }

    public async ValueTask<UpstreamConnection?> TakeAsync(UpstreamKey key)
    {
        if (_idle.TryGetValue(key, out var stack))
        {
            while (stack.TryPop(out var connection))
            {
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
