using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Addons.Abstractions.Flows;
using Addons.Abstractions.Hooks;
using Addons.Host.Chain;
using Addons.Host.Diagnostics;

namespace Addons.Host.Proxy.Upstream;

/// <summary>
/// Opens connections to servers: <c>server_connect</c> (an addon may refuse), DNS and TCP within the upstream
/// timeout, TLS with the server's certificate verified unless ssl_insecure, then <c>server_connected</c>. Failures
/// become an <see cref="UpstreamException"/> with a sentence a user can read in the 502 or 504 the client gets.
/// </summary>
internal sealed class UpstreamConnector(AddonChain chain, HostMetrics metrics)
{
    private X509Certificate2Collection? _trusted;
    private string? _trustedPath;

    /// <param name="alpn">The protocols to offer a TLS server (ALPN), most wanted first; null for http/1.1 alone.</param>
    public async Task<UpstreamConnection> ConnectAsync(UpstreamKey key, ClientConnection client, ProxySettings settings, CancellationToken cancellationToken, IReadOnlyList<SslApplicationProtocol>? alpn = null)
    {
        var model = new ServerConnection { Address = new HostPort(key.Host, key.Port), TimestampStart = DateTimeOffset.UtcNow, Sni = key.IsTls ? key.Sni ?? key.Host : null };
        await chain.InvokeAsync(Hook.ServerConnect, new ServerConnectionContext(client, model, cancellationToken)).ConfigureAwait(false);
        if (model.Error is not null)
        {
            throw new UpstreamException(502, $"An addon refused the connection to {key}: {model.Error}");
        }

        // An addon may have pointed the connection elsewhere.
        var address = model.Address ?? new HostPort(key.Host, key.Port);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(settings.UpstreamTimeout);
        try
        {
            await socket.ConnectAsync(address.Host, address.Port, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            socket.Dispose();
            model.Error = ex.Message;
            throw ex switch
            {
                OperationCanceledException when !cancellationToken.IsCancellationRequested =>
                    new UpstreamException(504, $"{address} did not accept a connection within {settings.UpstreamTimeout.TotalSeconds:0.###} s.", ex),
                SocketException { SocketErrorCode: SocketError.HostNotFound or SocketError.TryAgain or SocketError.NoData } =>
                    new UpstreamException(502, $"The DNS lookup of {address.Host} failed: {ex.Message}", ex),
                SocketException { SocketErrorCode: SocketError.ConnectionRefused } =>
                    new UpstreamException(502, $"{address} refused the connection.", ex),
                SocketException socketError =>
                    new UpstreamException(502, $"Could not connect to {address}: {socketError.Message}", ex),
                _ => ex,
            };
        }

        model.TimestampTcpSetup = DateTimeOffset.UtcNow;
        model.PeerName = ToHostPort(socket.RemoteEndPoint);
        model.SockName = ToHostPort(socket.LocalEndPoint);
        Stream stream = new MeteredStream(new NetworkStream(socket, ownsSocket: false), metrics, clientSide: false);
        if (key.IsTls)
        {
            stream = await AuthenticateAsync(stream, key, client, model, settings, alpn, timeout.Token, cancellationToken).ConfigureAwait(false);
        }

        await chain.InvokeAsync(Hook.ServerConnected, new ServerConnectionContext(client, model, cancellationToken)).ConfigureAwait(false);
        return new UpstreamConnection(key, socket, stream, model, client, metrics);
    }

    private async Task<Stream> AuthenticateAsync(Stream inner, UpstreamKey key, ClientConnection client, ServerConnection model, ProxySettings settings, IReadOnlyList<SslApplicationProtocol>? alpn, CancellationToken timeout, CancellationToken cancellationToken)
    {
        string? rejection = null;
        var ssl = new SslStream(inner, leaveInnerStreamOpen: false);
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = model.Sni,
            ApplicationProtocols = alpn is null ? [SslApplicationProtocol.Http11] : [.. alpn],
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
            {
                if (Verify(certificate, chain, errors, settings))
                {
                    return true;
                }

                rejection = $"the certificate of {key.Host} is not valid ({Describe(errors, chain)})";
                return false;
            },
        };

        try
        {
            await ssl.AuthenticateAsClientAsync(options, timeout).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException or OperationCanceledException)
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            metrics.TlsHandshake(clientSide: false, established: false);
            model.Error = rejection ?? ex.Message;
            await chain.InvokeAsync(Hook.TlsFailed, new TlsContext(client, model, isClientSide: false, cancellationToken)).ConfigureAwait(false);
            var timedOut = ex is OperationCanceledException && !cancellationToken.IsCancellationRequested;
            throw timedOut
                ? new UpstreamException(504, $"The TLS handshake with {key} did not finish within {settings.UpstreamTimeout.TotalSeconds:0.###} s.", ex)
                : new UpstreamException(502, rejection is not null
                    ? $"The TLS handshake with {key} failed: {rejection}; set ssl_insecure=true to connect anyway."
                    : $"The TLS handshake with {key} failed: {ex.Message}", ex);
        }

        metrics.TlsHandshake(clientSide: false, established: true);
        model.TlsEstablished = true;
        model.TimestampTlsSetup = DateTimeOffset.UtcNow;
        model.TlsVersion = TlsVersionName(ssl.SslProtocol);
        model.Alpn = ssl.NegotiatedApplicationProtocol.Protocol.Length > 0 ? ssl.NegotiatedApplicationProtocol.ToString() : null;
        model.Cipher = ssl.NegotiatedCipherSuite.ToString();
        if (ssl.RemoteCertificate is { } remote)
        {
            model.CertificateChain = [remote.GetRawCertData()];
        }

        await chain.InvokeAsync(Hook.TlsEstablished, new TlsContext(client, model, isClientSide: false, cancellationToken)).ConfigureAwait(false);
        return ssl;
    }

    private bool Verify(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors, ProxySettings settings)
    {
        if (errors == SslPolicyErrors.None || settings.SslInsecure)
        {
            return true;
        }

        // Only an untrusted root can be cured by the extra CAs; a wrong name or a missing certificate cannot.
        if (errors != SslPolicyErrors.RemoteCertificateChainErrors || certificate is null || settings.UpstreamTrustedCa is null)
        {
            return false;
        }

        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(TrustedCertificates(settings.UpstreamTrustedCa));
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain is not null)
        {
            foreach (var element in chain.ChainElements)
            {
                custom.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return custom.Build(leaf);
    }

    private X509Certificate2Collection TrustedCertificates(string path)
    {
        if (_trustedPath != path || _trusted is null)
        {
            var collection = new X509Certificate2Collection();
            collection.ImportFromPemFile(path);
            (_trusted, _trustedPath) = (collection, path);
        }

        return _trusted;
    }

    private static string Describe(SslPolicyErrors errors, X509Chain? chain)
    {
        var statuses = chain?.ChainStatus.Select(s => s.Status.ToString()).Distinct().ToList() ?? [];
        return statuses.Count > 0 ? $"{errors}: {string.Join(", ", statuses)}" : errors.ToString();
    }

    internal static string? TlsVersionName(SslProtocols protocol) => protocol switch
    {
        SslProtocols.Tls13 => "TLSv1.3",
        SslProtocols.Tls12 => "TLSv1.2",
        SslProtocols.None => null,
        _ => protocol.ToString(),
    };

    internal static HostPort? ToHostPort(EndPoint? endPoint) => endPoint switch
    {
        IPEndPoint ip => new HostPort((ip.Address.IsIPv4MappedToIPv6 ? ip.Address.MapToIPv4() : ip.Address).ToString(), ip.Port),
        DnsEndPoint dns => new HostPort(dns.Host, dns.Port),
        _ => null,
    };
}
