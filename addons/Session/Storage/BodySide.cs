namespace Addons.Session.Storage;

/// <summary>Which message of an HTTP flow a body belongs to.</summary>
internal enum BodySide
{
    /// <summary>The request body.</summary>
    Request = 0,

    /// <summary>The response body.</summary>
    Response = 1,
}
