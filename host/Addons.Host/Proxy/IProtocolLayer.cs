namespace Addons.Host.Proxy;

/// <summary>
/// The client-facing side of one protocol (HTTP/1, later HTTP/2) over a channel the connection handler picked it for:
/// it reads requests, runs their flows and answers them until the channel ends.
/// </summary>
internal interface IProtocolLayer
{
    /// <summary>Serves the channel until the client closes it, <paramref name="stop"/> cuts it, or a drain ends it.</summary>
    Task ServeAsync(ClientChannel channel, RequestOrigin origin, CancellationToken stop);

    /// <summary>
    /// The host is stopping: an idle connection closes now, one in an exchange finishes it and then closes. Called from
    /// another thread.
    /// </summary>
    void Drain();
}
