using Addons.Session.Fleet;
using Addons.Session.Storage;

namespace Addons.Session.FleetBench;

/// <summary>The Session's own path: binary COPY into a staging table, merged into the flows (FleetWriter).</summary>
internal sealed class CopyMergeCase() : WriteCase("COPY into a staging table, merged (the Session's FleetWriter)")
{
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
