using System.Net;

namespace Addons.Host.Proxy.Tls;

/// <summary>
/// Which server names from a ClientHello the proxy can use. Some clients send a name with a port (hey sends
/// "127.0.0.1:8443") or an IP literal, neither of which SNI allows (RFC 6066 section 3); such a name is recorded in
/// the flow as sent but not used for the certificate or the upstream handshake, where the CONNECT host is used instead.
/// </summary>
internal static class ServerName
{
    public static string? Usable(string? sni)
    {
        if (string.IsNullOrEmpty(sni) || sni.Length > 253 || IPAddress.TryParse(sni, out _))
        {
            return null;
        }

        foreach (var c in sni)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' or '*'))
            {
                return null;
            }
        }

        return sni.TrimEnd('.');
    }
}
