namespace Addons.Host.Filters;

/// <summary>Which message of an HTTP flow an operator looks at (<c>~h</c>, <c>~hq</c>, <c>~hs</c> and the like).</summary>
internal enum MessageSide
{
    /// <summary>The request or the response.</summary>
    Either,

    /// <summary>The request only.</summary>
    Request,

    /// <summary>The response only.</summary>
    Response,
}
