namespace Addons.Host.Proxy.Http2;

/// <summary>One parameter of a SETTINGS frame (RFC 9113 section 6.5.1): a 16-bit identifier and a 32-bit value.</summary>
internal readonly record struct Http2Setting(Http2SettingId Id, uint Value)
{
    /// <summary>The size of one parameter on the wire.</summary>
    public const int Size = 6;
}
