using Addons.Abstractions.Flows;

namespace Addons.Session.Storage;

/// <summary>
/// Decodes stored records into flows, a chunk of them on all cores; a record that cannot be decoded is a
/// <see cref="SessionStoreException"/> naming the file and the row.
/// </summary>
internal sealed class RecordDecoder(SessionFile file)
{
    /// <summary>How many records are read and then decoded together, the next chunk read while one decodes.</summary>
    public const int Chunk = 1024;

    /// <summary>One record (with its bodies stored apart) as a flow; a record that cannot be decoded is an error naming the file and row.</summary>
    public Flow Decode(long sequence, byte[] record, byte[]? requestBody, byte[]? responseBody, bool bodiesRequired)
    {
        try
        {
            return FlowCodec.Decode(record, requestBody, responseBody, bodiesRequired);
        }
        catch (Exception e) when (e is InvalidDataException or NotSupportedException or InvalidCastException)
        {
            throw Unreadable(sequence, e);
        }
    }

    /// <summary>
    /// Decodes rows on all cores and hands each flow with its row's index to <paramref name="use"/> (on the decoding
    /// thread); a damaged record is the error of the first one met, as a sequential read would report it.
    /// </summary>
    public void DecodeAll(List<Candidate> rows, Action<int, Flow> use, CancellationToken cancellationToken)
    {
        try
        {
            Parallel.For(0, rows.Count, new ParallelOptions { CancellationToken = cancellationToken }, i =>
            {
                var row = rows[i];
                use(i, Decode(row.Sequence, row.Record, row.RequestBody, row.ResponseBody, bodiesRequired: true));
            });
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0 && e.InnerExceptions[0] is SessionStoreException damaged)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(damaged).Throw();
        }
    }

    public SessionStoreException Unreadable(long sequence, Exception e) =>
        new(file.Path, e is NotSupportedException ? SessionStoreError.NewerSchema : SessionStoreError.Corrupt,
            $"Session file {file.Path} has a flow (row {sequence}) that cannot be read: {e.Message}", e);
}
