using System.IO.Pipelines;

namespace Addons.Host.Proxy;

/// <summary>
/// The client side of a connection as a protocol layer sees it: the stream to write to and the reader over it (plain,
/// or decrypted by TLS interception), which may already hold bytes that were peeked at to pick the protocol.
/// </summary>
internal sealed class ClientChannel(Stream stream, PipeReader reader) : IAsyncDisposable
{
    public Stream Stream { get; } = stream;

    public PipeReader Reader { get; } = reader;

    /// <summary>The server name the client asked for in its ClientHello, used for the upstream handshake too.</summary>
    public string? Sni { get; init; }

    /// <summary>Whether the channel is the decrypted side of an intercepted TLS connection.</summary>
    public bool IsTls { get; init; }

    /// <summary>The application protocol TLS negotiated with the client (<c>http/1.1</c>, <c>h2</c>); null without TLS or ALPN.</summary>
    public string? Alpn { get; init; }

    public async ValueTask DisposeAsync()
    {
        await Reader.CompleteAsync().ConfigureAwait(false);
        await Stream.DisposeAsync().ConfigureAwait(false);
    }
}
