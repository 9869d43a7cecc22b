using System.Collections.Concurrent;
using Addons.Host.Proxy.Upstream;

namespace Addons.Host.Proxy.Http2;

/// <summary>
/// The HTTP/2 connections to servers, one per server (scheme, host, port, SNI), shared by every flow going there;
/// and the servers known to answer ALPN with http/1.1, which are not asked again.
/// </summary>
internal sealed class Http2UpstreamPool(UpstreamPool pool, Http2Limits limits) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<UpstreamKey, Http2ClientConnection> _connections = new();
    private readonly ConcurrentDictionary<UpstreamKey, bool> _http1Only = new();

    /// <summary>The pool of HTTP/1 connections, where a server that chose http/1.1 goes.</summary>
    public UpstreamPool Http1 => pool;

    /// <summary>A usable connection to the server, or null.</summary>
    public Http2ClientConnection? Find(UpstreamKey key) =>
        _connections.TryGetValue(key, out var connection) && connection.IsUsable ? connection : null;

    /// <summary>Whether the server chose http/1.1 when h2 was offered.</summary>
    public bool IsHttp1Only(UpstreamKey key) => _http1Only.ContainsKey(key);

    public void MarkHttp1Only(UpstreamKey key) => _http1Only[key] = true;

    /// <summary>
    /// Starts HTTP/2 on a connection whose server chose h2 and keeps it for the next flows; it is closed (and
    /// <c>server_disconnected</c> runs) when it ends.
    /// </summary>
    public async Task<Http2ClientConnection> AddAsync(UpstreamConnection connection)
    {
        var h2 = new Http2ClientConnection(connection, limits);
        await h2.StartAsync().ConfigureAwait(false);
        _connections.AddOrUpdate(connection.Key, h2, (_, _) => h2);
        _ = ForgetWhenDoneAsync(h2);
        return h2;
    }

    private async Task ForgetWhenDoneAsync(Http2ClientConnection h2)
    {
        try
        {
            await h2.Completion.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException)
        {
            // Ended either way.
        }

        _connections.TryRemove(new KeyValuePair<UpstreamKey, Http2ClientConnection>(h2.Connection.Key, h2));
        await pool.CloseAsync(h2.Connection).ConfigureAwait(false);
        await h2.DisposeAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var connection in _connections.Values)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }

        _connections.Clear();
    }
}
