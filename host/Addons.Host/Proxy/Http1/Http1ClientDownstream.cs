using Addons.Abstractions.Flows;
using Addons.Host.Proxy.Upstream;

namespace Addons.Host.Proxy.Http1;

/// <summary>An HTTP/1 client connection as an upstream exchange sees it: interim responses and streamed bodies go to it.</summary>
internal sealed class Http1ClientDownstream(Http1ServerConnection connection, ClientChannel channel) : IDownstream
{
    public async ValueTask SendInterimAsync(ResponseHead head, CancellationToken stop)
    {
        var output = connection.Output;
        output.ResetWrittenCount();
        Http1Writer.WriteInterimResponse(output, head);
        await channel.Stream.WriteAsync(output.WrittenMemory, stop).ConfigureAwait(false);
    }

    public async Task CopyRequestBodyAsync(BodyFraming framing, Stream server, bool chunkedOut, CancellationToken stop)
    {
        var settings = connection.Settings;
        using var deadline = new ReadDeadline(settings.ClientTimeout, stop);
        await Http1BodyCopier.CopyAsync(channel.Reader, framing, server, chunkedOut, settings.Limits, 400, deadline).ConfigureAwait(false);
    }

    public async ValueTask<StreamedResponse> StartStreamedResponseAsync(HttpFlow flow, BodyFraming framing, CancellationToken stop)
    {
        var clientKeepAlive = flow.Request.HttpVersion == "HTTP/1.1" && !Http1Writer.HasConnectionOption(flow.Request.Headers, "close");
        var chunkedOut = framing.Kind == BodyKind.Chunked && flow.Request.HttpVersion == "HTTP/1.1";
        var outFraming = framing.Kind == BodyKind.ContentLength || chunkedOut ? OutgoingFraming.HeadersOnly : OutgoingFraming.CloseDelimited;
        var mustClose = !clientKeepAlive || outFraming == OutgoingFraming.CloseDelimited || connection.Draining;
        var output = connection.Output;
        output.ResetWrittenCount();
        Http1Writer.WriteResponseHead(output, flow.Response!, outFraming, 0, upgrade: false, close: mustClose);
        await channel.Stream.WriteAsync(output.WrittenMemory, stop).ConfigureAwait(false);
        return new StreamedResponse(channel.Stream, chunkedOut, mustClose);
    }
}
