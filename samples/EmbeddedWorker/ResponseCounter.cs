namespace EmbeddedWorker;

/// <summary>A service of the application that its addon writes to and its worker reads: the responses seen so far.</summary>
public sealed class ResponseCounter
{
    private long _count;

    public long Count => Interlocked.Read(ref _count);

    public long Increment() => Interlocked.Increment(ref _count);
}
