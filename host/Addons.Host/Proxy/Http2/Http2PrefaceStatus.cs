namespace Addons.Host.Proxy.Http2;

/// <summary>What <see cref="Http2FrameReader.TryReadPreface"/> made of the first bytes a client sent.</summary>
internal enum Http2PrefaceStatus
{
    /// <summary>The bytes so far match the start of the preface; read more and try again with all of them.</summary>
    Incomplete,

    /// <summary>The whole preface was read and the buffer advanced past it.</summary>
    Valid,

    /// <summary>The bytes are not the preface: a connection error of type PROTOCOL_ERROR (RFC 9113 section 3.4).</summary>
    Invalid,
}
