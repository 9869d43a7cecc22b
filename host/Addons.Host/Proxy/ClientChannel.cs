using System.IO.Pipelines;

namespace Addons.Host.Proxy;

/// <summary>The client side of a session: the stream to write to and the reader over it (plain or decrypted).</summary>
internal sealed class ClientChannel(Stream stream, PipeReader reader) : IAsyncDisposable
{
    public Stream Stream { get; } = stream;

    public PipeReader Reader { get; } = reader;

    /// <summary>The server name the client asked for in its ClientHello, used for the upstream handshake too.</summary>
    public string? Sni { get; init; }

    public async ValueTask DisposeAsync()
    {
        await Reader.CompleteAsync().ConfigureAwait(false);
        await Stream.DisposeAsync().ConfigureAwait(false);
    }
}
