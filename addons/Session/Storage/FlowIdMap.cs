namespace Addons.Session.Storage;

/// <summary>
/// Which row key (<c>seq</c>) each stored flow id has. The ids are random, so the file keeps no index on them (an
/// insert would land at a random place in it); they sit in the segments in row-key order, and this map is read from
/// there once, when a flow is first looked up by id. The writer adds and removes entries as it stores and deletes
/// flows.
/// </summary>
internal sealed class FlowIdMap(SessionFile file)
{
    private Dictionary<Guid, long>? _ids;
    private long _mappedUpTo;

    /// <summary>
    /// The id → seq map, read from the segments the first time it is needed. A read-only store, which another
    /// connection writes to, reads the rows added since when it is asked for an id it does not know.
    /// </summary>
    public Dictionary<Guid, long> Get(IReadOnlySet<Guid>? wanted = null)
    {
        if (_ids is not null && (!file.Options.ReadOnly || wanted is null || wanted.All(_ids.ContainsKey)))
        {
            return _ids;
        }

        var ids = _ids ?? [];
        file.RefreshSegments();

        for (var segment = Segments.Of(_mappedUpTo + 1, file.SegmentRows); segment < file.SegmentCount; segment++)
        {
            using var command = file.Command($"SELECT seq, id FROM {Segments.Table(segment)} WHERE seq > $after");
            command.Parameters.AddWithValue("$after", _mappedUpTo);
            using var reader = file.Guard("read", command.ExecuteReader);
            while (file.Guard("read", reader.Read))
            {
                var sequence = reader.GetInt64(0);
                ids[file.Guard("read", () => StoredId.Read(reader, 1))] = sequence;
                _mappedUpTo = Math.Max(_mappedUpTo, sequence);
            }
        }

        return _ids = ids;
    }

    /// <summary>Forgets every flow: the file was cleared.</summary>
    public void Clear()
    {
        _ids?.Clear();
        _mappedUpTo = 0;
    }
}
