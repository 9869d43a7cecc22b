using System.Net.Security;

namespace Addons.Host.Proxy.Tls;

/// <summary>
/// Picks the application protocols to offer an intercepted client, given the server name it asked for and the
/// protocols it offered (ALPN, RFC 7301).
/// </summary>
internal delegate ValueTask<List<SslApplicationProtocol>> AlpnChooser(string? serverName, IList<string> clientOffers, CancellationToken stop);
