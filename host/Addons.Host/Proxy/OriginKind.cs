namespace Addons.Host.Proxy;

/// <summary>Where requests on a connection are meant to go.</summary>
internal enum OriginKind
{
    /// <summary>Explicit proxy: every request names its server (absolute-form) or is a CONNECT.</summary>
    Forward,

    /// <summary>Inside a CONNECT tunnel: origin-form requests go to the tunnel's host and port.</summary>
    Tunnel,

    /// <summary>Reverse proxy: every request goes to the one configured server.</summary>
    Reverse,
}
