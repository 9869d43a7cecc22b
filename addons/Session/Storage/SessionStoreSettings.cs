namespace Addons.Session.Storage;

/// <summary>
/// Per-flow key/value strings in a session file (the View's per-flow settings, addon annotations), kept by flow id so
/// that a setting may be written before its flow is stored.
/// </summary>
internal sealed class SessionStoreSettings(SessionFile file)
{
    private readonly SessionFile _file = file;
    private readonly byte[] _idBytes = new byte[StoredId.Length];

    /// <summary>A flow's setting, or <c>null</c> when it has none of that name.</summary>
    public string? Get(Guid flowId, string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        using var command = _file.Command("SELECT value FROM setting WHERE flow_id = $id AND key = $key");
        command.Parameters.AddWithValue("$id", IdBytes(flowId));
        command.Parameters.AddWithValue("$key", key);
        return _file.Guard("read", () => command.ExecuteScalar() as string);
    }

    /// <summary>Sets a flow's setting; <c>null</c> removes it. The flow need not be stored yet.</summary>
    public void Set(Guid flowId, string key, string? value)
    {
        ArgumentNullException.ThrowIfNull(key);
        _file.EnsureWritable("write a setting to");
        using var command = _file.Command(value is null
            ? "DELETE FROM setting WHERE flow_id = $id AND key = $key"
            : "INSERT INTO setting (flow_id, key, value) VALUES ($id, $key, $value) ON CONFLICT (flow_id, key) DO UPDATE SET value = excluded.value");
        command.Parameters.AddWithValue("$id", IdBytes(flowId));
        command.Parameters.AddWithValue("$key", key);
        if (value is not null)
        {
            command.Parameters.AddWithValue("$value", value);
        }

        _file.Guard("write a setting to", command.ExecuteNonQuery);
    }

    /// <summary>Every per-flow setting, ordered by flow id and key (for a restore). Streams.</summary>
    public IEnumerable<FlowSetting> ReadAll()
    {
        using var command = _file.Command("SELECT flow_id, key, value FROM setting ORDER BY flow_id, key");
        using var reader = _file.Guard("read", command.ExecuteReader);
        while (_file.Guard("read", reader.Read))
        {
            yield return _file.Guard("read", () => new FlowSetting(StoredId.Read(reader, 0), reader.GetString(1), reader.GetString(2)));
        }
    }

    /// <summary>Every per-flow setting grouped by flow, as <see cref="Abstractions.View.FlowsLoaded.Settings"/> takes them.</summary>
    public Dictionary<Guid, IReadOnlyDictionary<string, string>> ReadByFlow()
    {
        var settings = new Dictionary<Guid, IReadOnlyDictionary<string, string>>();
        foreach (var setting in ReadAll())
        {
            if (!settings.TryGetValue(setting.FlowId, out var values))
            {
                settings[setting.FlowId] = values = new Dictionary<string, string>(StringComparer.Ordinal);
            }

            ((Dictionary<string, string>)values)[setting.Key] = setting.Value;
        }

        return settings;
    }

    private byte[] IdBytes(Guid id)
    {
        StoredId.Write(id, _idBytes);
        return _idBytes;
    }
}
