using System.Runtime.CompilerServices;

namespace Addons.Host.Diagnostics;

/// <summary>
/// A connection's socket stream that counts the bytes read and written into <c>addons.proxy.bytes</c>. It wraps the
/// socket, under any TLS, so that what it counts is what went over the wire, tunnels and WebSockets included.
/// </summary>
internal sealed class MeteredStream(Stream inner, HostMetrics metrics, bool clientSide) : Stream
{
    public override bool CanRead => inner.CanRead;

    public override bool CanWrite => inner.CanWrite;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Received(inner.Read(buffer, offset, count));

    public override int Read(Span<byte> buffer) => Received(inner.Read(buffer));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = inner.ReadAsync(buffer, cancellationToken);
        return read.IsCompletedSuccessfully ? new ValueTask<int>(Received(read.Result)) : ReceivedAsync(read);
    }

    public override void Write(byte[] buffer, int offset, int count)
    {
        metrics.BytesSent(clientSide, count);
        inner.Write(buffer, offset, count);
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        metrics.BytesSent(clientSide, buffer.Length);
        inner.Write(buffer);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        metrics.BytesSent(clientSide, count);
        return inner.WriteAsync(buffer, offset, count, cancellationToken);
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        metrics.BytesSent(clientSide, buffer.Length);
        return inner.WriteAsync(buffer, cancellationToken);
    }

    public override void Flush() => inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private int Received(int count)
    {
        metrics.BytesReceived(clientSide, count);
        return count;
    }

    // A read that waits (an idle keep-alive connection's next request) must not allocate a state machine each time.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> ReceivedAsync(ValueTask<int> read) => Received(await read.ConfigureAwait(false));
}
