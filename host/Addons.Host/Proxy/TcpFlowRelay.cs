using System.Buffers;
using System.IO.Pipelines;
using Addons.Abstractions.Flows;
using Addons.Abstractions.Hooks;
using Addons.Host.Chain;

namespace Addons.Host.Proxy;

/// <summary>
/// mitmproxy's TCP layer: a tunnel whose traffic is neither TLS to intercept nor HTTP becomes a <see cref="TcpFlow"/>.
/// Each chunk either side sends is a message: it joins the flow, <c>tcp_message</c> runs (an addon may change its
/// content, or kill the flow), and then it goes on to the other side. <c>tcp_start</c> comes first, <c>tcp_end</c> (or
/// <c>tcp_error</c> when a side failed) last. The two directions take turns through the hooks, so that addons see
/// one message at a time, in the order they arrived.
/// </summary>
internal sealed class TcpFlowRelay(AddonChain chain, TcpFlow flow)
{
    private readonly SemaphoreSlim _turn = new(1, 1);

    public async Task RunAsync(PipeReader fromClient, Stream toClient, PipeReader fromServer, Stream toServer, CancellationToken stop)
    {
        flow.Live = true;
        try
        {
            if (!await HookAsync(Hook.TcpStart, stop).ConfigureAwait(false))
            {
                return;
            }

            using var done = CancellationTokenSource.CreateLinkedTokenSource(stop);
            var up = CopyAsync(fromClient, toServer, fromClient: true, done);
            var down = CopyAsync(fromServer, toClient, fromClient: false, done);
            await Task.WhenAny(up, down).ConfigureAwait(false);
            await done.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(up, down).ConfigureAwait(false);
            if (!flow.IsKilled)
            {
                await HookAsync(flow.Error is null ? Hook.TcpEnd : Hook.TcpError, CancellationToken.None).ConfigureAwait(false);
            }
        }
        finally
        {
            flow.Live = false;
        }
    }

    private async Task CopyAsync(PipeReader reader, Stream writer, bool fromClient, CancellationTokenSource done)
    {
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(done.Token).ConfigureAwait(false);
                var content = result.Buffer.ToArray();
                reader.AdvanceTo(result.Buffer.End);
                if (content.Length > 0)
                {
                    var message = new StreamMessage { FromClient = fromClient, Content = content, Timestamp = DateTimeOffset.UtcNow };
                    if (!await MessageAsync(message, done.Token).ConfigureAwait(false))
                    {
                        return;
                    }

                    await writer.WriteAsync(message.Content, done.Token).ConfigureAwait(false);
                    await writer.FlushAsync(done.Token).ConfigureAwait(false);
                }

                if (result.IsCompleted)
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The other direction ended the relay.
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or System.Net.Sockets.SocketException)
        {
            flow.Error ??= new FlowError($"The {(fromClient ? "client" : "server")} connection failed: {ex.Message}", DateTimeOffset.UtcNow);
        }
    }

    /// <summary>Adds a message and runs <c>tcp_message</c> for it; false when an addon killed the flow.</summary>
    private async Task<bool> MessageAsync(StreamMessage message, CancellationToken stop)
    {
        await _turn.WaitAsync(stop).ConfigureAwait(false);
        try
        {
            flow.Messages.Add(message);
            return await HookAsync(Hook.TcpMessage, stop).ConfigureAwait(false);
        }
        finally
        {
            _turn.Release();
        }
    }

    private ValueTask<bool> HookAsync(Hook hook, CancellationToken stop) => chain.StepAsync(hook, new TcpFlowContext(flow, stop), flow, stop);
}
