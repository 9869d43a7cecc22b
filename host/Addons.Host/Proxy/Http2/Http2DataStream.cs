namespace Addons.Host.Proxy.Http2;

/// <summary>
/// A write-only stream whose writes go out as DATA frames of one HTTP/2 stream, as flow control allows: where a
/// streamed body is copied to, on a client's connection (the response) or a server's (the request).
/// </summary>
internal sealed class Http2DataStream(Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask> send, CancellationToken stop) : Stream
{
    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        send(buffer, cancellationToken.CanBeCanceled ? cancellationToken : stop);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count, stop).GetAwaiter().GetResult();

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
