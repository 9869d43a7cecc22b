using Addons.Abstractions.Filters;
using Addons.Abstractions.Flows;

namespace Addons.Session.Storage;

/// <summary>
/// A session file: flows as protobuf records (<see cref="FlowCodec"/>) in SQLite, with the View's order and filter
/// columns beside them (<see cref="SegmentColumns"/>), large bodies apart, and per-flow settings. This type is the
/// one the Session addon holds; the work is done by <see cref="SessionFile"/> (the connection, schema and
/// checkpointer), <see cref="SessionStoreWriter"/>, <see cref="SessionStoreReader"/>, <see cref="SessionStoreMatcher"/>
/// and <see cref="SessionStoreSettings"/>.
/// <para>
/// Row key: the record table's rowid (<c>seq</c>) in insertion order, so that a batch appends at the right edge of
/// every B-tree it touches. Flow ids are random UUIDs; a UNIQUE index on them put each insert at a random place and
/// halved the insert rate (bench/session). Instead the ids sit in the segments in <c>seq</c> order, and
/// <see cref="FlowIdMap"/> reads them once into an id → seq map, when a flow is first found by id.
/// </para>
/// <para>
/// Not thread-safe: one owner (the writer) uses it. WAL lets another store opened read-only on the same file read
/// while it writes. Every failure is a <see cref="SessionStoreException"/> whose message names the file; a failed open
/// or write never truncates or overwrites the file.
/// </para>
/// </summary>
internal sealed class SessionStore : IFlowBatchTarget, IDisposable
{
    private readonly SessionFile _file;
    private readonly SessionStoreWriter _writer;
    private readonly SessionStoreReader _reader;
    private readonly SessionStoreMatcher _matcher;
    private readonly SessionStoreSettings _settings;

    private SessionStore(SessionFile file, FlowCodec codec)
    {
        _file = file;
        var ids = new FlowIdMap(file);
        var decoder = new RecordDecoder(file);
        _writer = new SessionStoreWriter(file, ids, codec);
        _reader = new SessionStoreReader(file, ids, decoder);
        _matcher = new SessionStoreMatcher(file, ids, _reader, decoder);
        _settings = new SessionStoreSettings(file);
    }

    /// <summary>The session file's full path.</summary>
    public string Path => _file.Path;

    /// <summary>The options the store was opened with.</summary>
    public SessionStoreOptions Options => _file.Options;

    /// <inheritdoc cref="SessionFile.Checkpointer"/>
    internal WalCheckpointer? Checkpointer => _file.Checkpointer;

    /// <summary>Whether the store was opened for reading only.</summary>
    public bool IsReadOnly => Options.ReadOnly;

    /// <summary>Opens the session file at <paramref name="path"/>, or creates it (unless <paramref name="readOnly"/>).</summary>
    public static SessionStore Open(string path, bool readOnly) => Open(path, new SessionStoreOptions { ReadOnly = readOnly });

    /// <inheritdoc cref="SessionFile.Open"/>
    public static SessionStore Open(string path, SessionStoreOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= new SessionStoreOptions();

        // The codec checks the options before the file is touched.
        var codec = new FlowCodec(options.BodyThreshold);
        return new SessionStore(SessionFile.Open(path, options), codec);
    }

    /// <inheritdoc cref="SessionStoreWriter.WriteBatch(IReadOnlyList{Flow})"/>
    public void WriteBatch(IReadOnlyList<Flow> flows) => _writer.WriteBatch(flows);

    /// <inheritdoc cref="SessionStoreWriter.WriteBatch(IReadOnlyList{EncodedFlow})"/>
    public void WriteBatch(IReadOnlyList<EncodedFlow> flows) => _writer.WriteBatch(flows);

    /// <inheritdoc cref="SessionStoreWriter.Delete"/>
    public int Delete(IEnumerable<Guid> ids) => _writer.Delete(ids);

    /// <inheritdoc cref="SessionStoreWriter.Clear"/>
    public void Clear() => _writer.Clear();

    /// <inheritdoc cref="SessionStoreReader.ReadAll"/>
    public IEnumerable<Flow> ReadAll(long skip = 0) => _reader.ReadAll(skip);

    /// <inheritdoc cref="SessionStoreReader.ReadFlow"/>
    public Flow? ReadFlow(Guid id, bool includeBodies = true) => _reader.ReadFlow(id, includeBodies);

    /// <inheritdoc cref="SessionStoreReader.Count"/>
    public long Count() => _reader.Count();

    /// <inheritdoc cref="SessionStoreReader.ReadSummaries"/>
    public IEnumerable<FlowSummary> ReadSummaries(long? limit = null) => _reader.ReadSummaries(limit);

    /// <inheritdoc cref="SessionStoreMatcher.Match"/>
    public IReadOnlySet<Guid> Match(IFlowFilter filter, IReadOnlyCollection<Guid> ids, CancellationToken cancellationToken = default) =>
        _matcher.Match(filter, ids, cancellationToken);

    /// <inheritdoc cref="SessionStoreReader.LoadBody"/>
    public byte[]? LoadBody(Guid id, BodySide side) => _reader.LoadBody(id, side);

    /// <inheritdoc cref="SessionStoreSettings.Get"/>
    public string? GetSetting(Guid flowId, string key) => _settings.Get(flowId, key);

    /// <inheritdoc cref="SessionStoreSettings.Set"/>
    public void SetSetting(Guid flowId, string key, string? value) => _settings.Set(flowId, key, value);

    /// <inheritdoc cref="SessionStoreSettings.ReadAll"/>
    public IEnumerable<FlowSetting> ReadSettings() => _settings.ReadAll();

    /// <inheritdoc cref="SessionStoreSettings.ReadByFlow"/>
    public Dictionary<Guid, IReadOnlyDictionary<string, string>> ReadSettingsByFlow() => _settings.ReadByFlow();

    /// <inheritdoc cref="SessionStoreReader.Stats"/>
    public SessionStats Stats() => _reader.Stats();

    /// <inheritdoc cref="SessionFile.SaveCopy"/>
    public void SaveCopy(string path) => _file.SaveCopy(path);

    /// <inheritdoc cref="SessionFile.IntegrityCheck"/>
    public IReadOnlyList<string> IntegrityCheck() => _file.IntegrityCheck();

    /// <inheritdoc />
    public void Dispose()
    {
        // The checkpointer's connection closes first, so that the writer's, the last, copies what is left of the log
        // into the file and removes it; the writer's statements are finalized before that connection closes.
        _file.StopCheckpointer();
        _writer.Dispose();
        _file.Dispose();
    }
}
