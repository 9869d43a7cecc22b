using Addons.Abstractions.Filters;
using Addons.Abstractions.Flows;
using Addons.Abstractions.Interop;
using Addons.Session.Storage;

namespace Addons.Session.Fleet;

/// <summary>
/// The fleet store as a flow file (see <see cref="FleetLocation"/>): <c>-r postgresql://...?filter=~c%20404</c> reads
/// the flows of every host (or of <c>hosts</c>) that the filter and time range select, the filter's column terms
/// pushed down to SQL; <c>-w postgresql://...?host_id=lab</c> writes flows into the store tagged with that host id, in
/// batches, each a transaction. Either side of a conversion with a file.
/// </summary>
internal sealed class FleetFlowFormat(IFlowFilters filters) : IFlowFileFormat
{
    public string Name => "fleet";

    public bool Recognizes(ReadOnlySpan<byte> head, string path) => FleetLocation.Is(path);

    public bool Writes(string path) => FleetLocation.Is(path);

    public IEnumerable<Flow> Read(string path, Action<string>? skipped = null)
    {
        var shown = Shown(path);
        var location = FleetLocation.Parse(path, shown);
        IFlowFilter? filter = null;
        if (location.Filter is { Length: > 0 } expression && !filters.TryParse(expression, out filter, out var error))
        {
            throw new FormatException($"{shown}: the filter is not valid: {error.Message}");
        }

        FleetStore store;
        try
        {
            store = FleetStore.OpenToRead(location.ConnectionString, shown);
        }
        catch (FleetStoreException e)
        {
            throw new FormatException(e.Message, e);
        }

        return ReadAll(store, filter, FleetQuery.For(filter?.Pattern, location.Since, location.Until, location.Hosts));
    }

    public IFlowFileWriter CreateWriter(string path)
    {
        var shown = Shown(path);
        try
        {
            var location = FleetLocation.Parse(path, shown);
            return new Writer(FleetStore.Open(location.ConnectionString, location.HostId, shown));
        }
        catch (Exception e) when (e is FleetStoreException or FormatException)
        {
            throw new IOException(e.Message, e);
        }
    }

    /// <summary>The URL without its user and password, for messages.</summary>
    private static string Shown(string path) =>
        Uri.TryCreate(path, UriKind.Absolute, out var uri) && uri.Host.Length > 0
            ? uri.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped)
            : "the fleet store's URL";

    private static IEnumerable<Flow> ReadAll(FleetStore store, IFlowFilter? filter, FleetQuery query)
    {
        using (store)
        {
            using var flows = store.Reader.ReadFlows(filter, query).GetEnumerator();
            while (Next(flows))
            {
                yield return flows.Current;
            }
        }
    }

    private static bool Next(IEnumerator<Flow> flows)
    {
        try
        {
            return flows.MoveNext();
        }
        catch (FleetStoreException e)
        {
            throw new FormatException(e.Message, e);
        }
    }

    /// <summary>
    /// Writes flows in transactions of up to 1,000 flows, or of what came within a second: a crash loses at most that.
    /// A flow written twice within a batch is written once, as last written.
    /// </summary>
    private sealed class Writer(FleetStore store) : BatchedFlowFileWriter<EncodedFlow>
    {
        private static readonly TimeSpan FlushPeriod = TimeSpan.FromSeconds(1);
        private readonly FleetWriter _writer = store.CreateWriter();
        private readonly FlowCodec _codec = new();
        private long _lastCommit = Environment.TickCount64;

        protected override string Target => $"the fleet store ({store.Name})";

        protected override bool Due => Environment.TickCount64 - _lastCommit >= FlushPeriod.TotalMilliseconds;

        protected override EncodedFlow Capture(HttpFlow flow)
        {
            // Encoded now, with copies of the bodies kept apart: the flow may change once this returns.
            var encoded = new EncodedFlow();
            encoded.Capture(flow, _codec, copyBodies: true);
            return encoded;
        }

        protected override void WriteBatch(List<EncodedFlow> batch)
        {
            try
            {
                // One row per flow: the merge of a batch that holds a flow twice would fail.
                _writer.WriteBatch(batch.Count == batch.DistinctBy(f => f.Id).Count() ? batch : [.. batch.GroupBy(f => f.Id).Select(g => g.Last())]);
            }
            catch (FleetStoreException e)
            {
                throw new IOException(e.Message, e);
            }
            finally
            {
                _lastCommit = Environment.TickCount64;
            }
        }

        protected override void Close()
        {
            _writer.Dispose();
            store.Dispose();
        }
    }
}
