namespace Addons.Abstractions.Flows;

/// <summary>An HTTP exchange: the request, the response or error, and any WebSocket conversation that followed.</summary>
public sealed class HttpFlow : Flow
{
    /// <inheritdoc />
    public override FlowType Type => FlowType.Http;

    /// <summary>The request. Addons may change any part of it until it is sent upstream (the <c>request</c> hook).</summary>
    public HttpRequest Request { get; set; } = new();

    /// <summary>
    /// The response, or <c>null</c> before one arrives. Setting it in <c>requestheaders</c> or <c>request</c> answers the
    /// client without contacting the server.
    /// </summary>
    public HttpResponse? Response { get; set; }

    /// <summary>The WebSocket conversation, when the request was upgraded.</summary>
    public WebSocketData? WebSocket { get; set; }

    /// <summary>When the request started; the flow's natural order key.</summary>
    public DateTimeOffset TimestampStart => Request.TimestampStart;

    /// <inheritdoc />
    public override HttpFlow Copy()
    {
        var copy = new HttpFlow
        {
            Request = Request.Clone(),
            Response = Response?.Clone(),
            WebSocket = WebSocket?.Clone(),
        };
        CopyTo(copy);
        return copy;
    }
}
