using Addons.Session.Fleet;
using Addons.Session.Storage;

namespace Addons.Session.FleetBench;

/// <summary>
/// The Session's own path (FleetWriter): binary COPY straight into the flows; with <c>rewrite</c>, every flow is stored
/// already (written once before the clock starts), so each batch takes the other path: COPY into a staging table, merged.
/// </summary>
internal sealed class CopyMergeCase(bool rewrite) : WriteCase(rewrite
    ? "the same, every flow written again: COPY into a staging table, merged"
    : "COPY straight into the table (the Session's FleetWriter)")
{
    /// <summary>Whether the flows are written once before the timed writes.</summary>
    public bool Rewrite { get; } = rewrite;

    private FleetStore? _store;
    private FleetWriter? _writer;

    public override void Open(string connectionString)
    {
        _store = FleetStore.Open(connectionString, "bench");
        _writer = _store.CreateWriter();
    }

    public override void Write(IReadOnlyList<EncodedFlow> batch) => _writer!.WriteBatch(batch);

    public override void Close()
    {
        _writer?.Dispose();
        _store?.Dispose();
    }
}
