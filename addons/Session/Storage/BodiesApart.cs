namespace Addons.Session.Storage;

/// <summary>
/// Which bodies of a flow are stored apart from its record (in the body table) because they are larger than the
/// store's body threshold. Saved in the flow table's <c>bodies_apart</c> column.
/// </summary>
[Flags]
internal enum BodiesApart
{
    /// <summary>Every body is inside the flow record.</summary>
    None = 0,

    /// <summary>The request body is stored apart.</summary>
    Request = 1,

    /// <summary>The response body is stored apart.</summary>
    Response = 2,
}
