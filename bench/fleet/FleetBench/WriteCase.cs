using Addons.Session.Storage;

namespace Addons.Session.FleetBench;

/// <summary>One way of writing a batch of encoded flows to PostgreSQL, timed over the same flows as the others.</summary>
internal abstract class WriteCase(string name)
{
    public string Name { get; } = name;

    /// <summary>Connects and prepares (the schema exists and is empty).</summary>
    public abstract void Open(string connectionString);

    public abstract void Write(IReadOnlyList<EncodedFlow> batch);

    public abstract void Close();
}
