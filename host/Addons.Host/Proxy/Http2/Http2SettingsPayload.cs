using System.Buffers;

namespace Addons.Host.Proxy.Http2;

/// <summary>
/// The parameters of a validated SETTINGS frame, enumerated in order without copying (RFC 9113 section 6.5.1). All are
/// yielded, unknown identifiers included; <see cref="Http2Settings.Apply(Http2SettingsPayload)"/> ignores those.
/// Like the payload it wraps, it is only valid until the read buffer is advanced.
/// </summary>
internal readonly struct Http2SettingsPayload
{
    private readonly ReadOnlySequence<byte> _payload;

    /// <summary>Wraps a payload whose length is a multiple of <see cref="Http2Setting.Size"/>.</summary>
    internal Http2SettingsPayload(ReadOnlySequence<byte> payload) => _payload = payload;

    /// <summary>The number of parameters.</summary>
    public int Count => (int)(_payload.Length / Http2Setting.Size);

    public Enumerator GetEnumerator() => new(_payload);

    /// <summary>Reads one parameter at a time, across segment boundaries.</summary>
    public ref struct Enumerator
    {
        private SequenceReader<byte> _reader;

        internal Enumerator(ReadOnlySequence<byte> payload)
        {
            _reader = new SequenceReader<byte>(payload);
            Current = default;
        }

        public Http2Setting Current { get; private set; }

        public bool MoveNext()
        {
            if (!_reader.TryReadBigEndian(out short id) || !_reader.TryReadBigEndian(out int value))
            {
                return false;
            }

            Current = new Http2Setting((Http2SettingId)(ushort)id, (uint)value);
            return true;
        }
    }
}
