using Addons.Abstractions.Flows;
using Addons.Abstractions.Interop;

namespace Addons.Session;

/// <summary>
/// A flow file writer of the Session's (a session file, the fleet store) that writes HTTP flows in batches, each one
/// transaction: a flow is captured when written (it may change once Write returns), a batch goes when it holds
/// <see cref="BatchSize"/> flows or <see cref="Due"/> says so, and the rest when disposed.
/// </summary>
/// <typeparam name="T">A flow as the batch holds it until it is written.</typeparam>
internal abstract class BatchedFlowFileWriter<T> : IFlowFileWriter
{
    private readonly List<T> _pending = [];
    private bool _disposed;

    /// <summary>The most flows a transaction writes.</summary>
    protected virtual int BatchSize => 1000;

    /// <summary>Where the flows go, as the sentence for a flow that is not HTTP names it.</summary>
    protected abstract string Target { get; }

    /// <summary>Whether the batch should go now, before it is full.</summary>
    protected virtual bool Due => false;

    public void Write(Flow flow)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (flow is not HttpFlow http)
        {
            throw new NotSupportedException($"{Target} keeps HTTP flows only, and flow {flow.Id} is a {flow.Type.ToString().ToUpperInvariant()} flow");
        }

        _pending.Add(Capture(http));
        if (_pending.Count >= BatchSize || Due)
        {
            Commit();
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        try
        {
            Commit();
        }
        finally
        {
            Close();
        }
    }

    /// <summary>The flow as the batch keeps it: a copy or an encoding, not the flow itself.</summary>
    protected abstract T Capture(HttpFlow flow);

    /// <summary>Writes the batch in one transaction.</summary>
    /// <exception cref="IOException">It could not be written, in one sentence naming where.</exception>
    protected abstract void WriteBatch(List<T> batch);

    /// <summary>Closes what the writer holds, once the last batch is written (or failed).</summary>
    protected abstract void Close();

    private void Commit()
    {
        if (_pending.Count == 0)
        {
            return;
        }

        try
        {
            WriteBatch(_pending);
        }
        finally
        {
            _pending.Clear();
        }
    }
}
