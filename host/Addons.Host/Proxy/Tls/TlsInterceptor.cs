using System.IO.Pipelines;
using System.Net.Security;
using System.Security.Authentication;
using Addons.Abstractions.Flows;
using Addons.Abstractions.Hooks;
using Addons.Host.Chain;
using Addons.Host.Diagnostics;
using Addons.Host.Proxy.Upstream;
using Microsoft.Extensions.Logging;

namespace Addons.Host.Proxy.Tls;

/// <summary>
/// Intercepts TLS inside a CONNECT tunnel: reads the ClientHello, lets addons decide (<c>tls_clienthello</c>), answers
/// with a certificate for the requested name signed by the proxy's CA, and hands the decrypted channel back to be
/// served. A client that refuses the certificate ends in <c>tls_failed</c>; traffic that is not a ClientHello, or that
/// an addon ignores, is handed back to be relayed unchanged.
/// </summary>
internal sealed partial class TlsInterceptor(CertificateAuthority authority, AddonChain chain, HostMetrics metrics, ILogger<TlsInterceptor> logger)
{
    public CertificateAuthority Authority => authority;

    /// <param name="chooseAlpn">
    /// Given the server name and the client's ALPN offers, the protocols to offer the client, in order; called once the
    /// addons let the interception go on, before the handshake with the client (mitmproxy asks the server first).
    /// </param>
    public async Task<TlsOutcome> InterceptAsync(ClientConnection client, ClientChannel channel, string host, int port, ProxySettings settings, AlpnChooser chooseAlpn, CancellationToken stop)
    {
        var hello = await ReadClientHelloAsync(channel.Reader, settings, stop).ConfigureAwait(false);
        if (hello is null)
        {
            return TlsOutcome.Passthrough;
        }

        client.Sni = hello.Sni;
        client.AlpnOffers = [.. hello.AlpnProtocols];
        client.CipherList = [.. hello.CipherSuites.Select(c => c.ToString("x4", System.Globalization.CultureInfo.InvariantCulture))];
        var serverName = ServerName.Usable(hello.Sni);
        var server = new ServerConnection { Address = new HostPort(host, port), Sni = serverName ?? host };
        var context = new TlsClientHelloContext(client, server, hello, stop);
        await chain.InvokeAsync(Hook.TlsClientHello, context).ConfigureAwait(false);
        if (context.IgnoreConnection)
        {
            return TlsOutcome.Passthrough;
        }

        var name = serverName ?? host;
        SslStreamCertificateContext certificate;
        try
        {
            certificate = authority.GetServerContext(name);
        }
        catch (ArgumentException ex)
        {
            await FailAsync(client, server, name, $"no certificate can be made for '{name}': {ex.Message}", stop).ConfigureAwait(false);
            return TlsOutcome.Failed;
        }

        var protocols = await chooseAlpn(serverName, client.AlpnOffers, stop).ConfigureAwait(false);
        var ssl = new SslStream(new PipeDuplexStream(channel.Reader, channel.Stream), leaveInnerStreamOpen: true);
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop))
        {
            timeout.CancelAfter(settings.ClientTimeout);
            try
            {
                await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                {
                    ServerCertificateContext = certificate,
                    ApplicationProtocols = protocols,
                    EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                    ClientCertificateRequired = false,
                }, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is AuthenticationException or IOException or OperationCanceledException)
            {
                await ssl.DisposeAsync().ConfigureAwait(false);
                var reason = ex is OperationCanceledException ? "the client did not complete the TLS handshake in time" : ex.Message;
                await FailAsync(client, server, name, reason, stop).ConfigureAwait(false);
                return TlsOutcome.Failed;
            }
        }

        // With TLS 1.3 the server finishes its handshake before the client has checked the certificate; a client
        // that distrusts it says so with an alert in place of its first request. Wait for that first read.
        var decryptedReader = PipeReader.Create(ssl, new StreamPipeReaderOptions(leaveOpen: true));
        if (await FirstReadFailureAsync(decryptedReader, settings, stop).ConfigureAwait(false) is { } rejection)
        {
            await decryptedReader.CompleteAsync().ConfigureAwait(false);
            await ssl.DisposeAsync().ConfigureAwait(false);
            await FailAsync(client, server, name, rejection, stop).ConfigureAwait(false);
            return TlsOutcome.Failed;
        }

        metrics.TlsHandshake(clientSide: true, established: true);
        client.TlsEstablished = true;
        client.TimestampTlsSetup = DateTimeOffset.UtcNow;
        client.TlsVersion = UpstreamConnector.TlsVersionName(ssl.SslProtocol);
        client.Alpn = ssl.NegotiatedApplicationProtocol.Protocol.Length > 0 ? ssl.NegotiatedApplicationProtocol.ToString() : null;
        client.Cipher = ssl.NegotiatedCipherSuite.ToString();
        client.MitmCertificate = certificate.TargetCertificate.RawData;
        await chain.InvokeAsync(Hook.TlsEstablished, new TlsContext(client, server, isClientSide: true, stop)).ConfigureAwait(false);

        return TlsOutcome.Intercepted(new ClientChannel(ssl, decryptedReader) { Sni = serverName, IsTls = true, Alpn = client.Alpn });
    }

    /// <summary>Records why the handshake with the client failed, logs it and delivers <c>tls_failed</c>.</summary>
    private async Task FailAsync(ClientConnection client, ServerConnection server, string name, string reason, CancellationToken stop)
    {
        client.Error = reason;
        metrics.TlsHandshake(clientSide: true, established: false);
        LogHandshakeFailed(logger, client.PeerName?.ToString() ?? "?", name, reason);
        await chain.InvokeAsync(Hook.TlsFailed, new TlsContext(client, server, isClientSide: true, stop)).ConfigureAwait(false);
    }

    /// <summary>Waits for the first decrypted bytes (left unread); returns why the client broke off instead, or null.</summary>
    private static async Task<string?> FirstReadFailureAsync(PipeReader reader, ProxySettings settings, CancellationToken stop)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
        timeout.CancelAfter(settings.ClientTimeout);
        try
        {
            var result = await reader.ReadAsync(timeout.Token).ConfigureAwait(false);
            reader.AdvanceTo(result.Buffer.Start);
            return result.IsCompleted && result.Buffer.IsEmpty
                ? "the client closed the connection right after the TLS handshake; it may not trust the proxy's certificate"
                : null;
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException)
        {
            return $"the client rejected the proxy's certificate or the connection ({ex.Message})";
        }
        catch (OperationCanceledException) when (!stop.IsCancellationRequested)
        {
            return "the client sent nothing after the TLS handshake";
        }
    }

    private static async Task<ClientHello?> ReadClientHelloAsync(PipeReader reader, ProxySettings settings, CancellationToken stop)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
        timeout.CancelAfter(settings.ClientTimeout);
        while (true)
        {
            var result = await reader.ReadAsync(timeout.Token).ConfigureAwait(false);
            var status = ClientHelloParser.TryParse(result.Buffer, out var hello);
            if (status == ClientHelloParseStatus.NeedMoreData && !result.IsCompleted)
            {
                reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
                continue;
            }

            // Nothing is consumed: the TLS stack (or the raw tunnel) reads the same bytes again.
            reader.AdvanceTo(result.Buffer.Start);
            return status == ClientHelloParseStatus.Success ? hello : null;
        }
    }

    [LoggerMessage(EventId = 310, Level = LogLevel.Information, Message = "Client {Client}: TLS handshake for {Name} failed: {Reason} (does the client trust the proxy's CA?)")]
    private static partial void LogHandshakeFailed(ILogger logger, string client, string name, string reason);
}
