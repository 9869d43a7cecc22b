namespace Addons.Host.Proxy.Http2;

/// <summary>
/// The deprecated priority fields of PRIORITY and HEADERS (RFC 9113 sections 5.3.2, 6.3). The proxy validates and
/// ignores them; <see cref="Weight"/> is the effective weight 1-256, one more than the byte on the wire.
/// </summary>
internal readonly record struct Http2Priority(int StreamDependency, bool Exclusive, int Weight)
{
    /// <summary>The size of the fields on the wire: E bit and 31-bit dependency, then the weight byte.</summary>
    public const int Size = 5;
}
