namespace Addons.Session.Storage;

/// <summary>Where the session's writer sends each batch of encoded flows: the session file, or the fleet store (with the file as its spill).</summary>
internal interface IFlowBatchTarget
{
    /// <summary>Keeps <paramref name="flows"/>, all or none.</summary>
    /// <exception cref="SessionStoreException">Nothing could keep the batch; the writer stops persisting and says so.</exception>
    void WriteBatch(IReadOnlyList<EncodedFlow> flows);
}
