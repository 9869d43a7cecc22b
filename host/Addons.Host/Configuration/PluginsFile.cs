using System.Text.Json;

namespace Addons.Host.Configuration;

/// <summary>
/// The plugins.json file: where it is and whether it is well-formed. The configuration system reports a malformed
/// file without a line and accepts keys that differ only in case as one; this check names the line of either.
/// </summary>
internal sealed class PluginsFile
{
    public const string DefaultFileName = "plugins.json";

    private PluginsFile(string path) => FullPath = path;

    /// <summary>The absolute path of the file.</summary>
    public string FullPath { get; }

    /// <summary>The folder relative plugin paths are resolved against first.</summary>
    public string Directory => System.IO.Path.GetDirectoryName(FullPath)!;

    /// <summary>Finds and checks the file: <paramref name="path"/> if given, else plugins.json beside the host.</summary>
    public static PluginsFile Open(string? path)
    {
        var fullPath = System.IO.Path.GetFullPath(path ?? System.IO.Path.Combine(AppContext.BaseDirectory, DefaultFileName));
        if (!File.Exists(fullPath))
        {
            throw new AddonHostException(path is null
                ? $"{fullPath} does not exist; the host needs a plugins.json beside it or one named with --plugins FILE."
                : $"{fullPath} does not exist (named by --plugins).");
        }

        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(fullPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new AddonHostException($"{fullPath} cannot be read: {ex.Message}", ex);
        }

        Check(fullPath, bytes);
        return new PluginsFile(fullPath);
    }

    /// <summary>Throws an <see cref="AddonHostException"/> naming the line of the first syntax error or duplicate key.</summary>
    internal static void Check(string path, ReadOnlySpan<byte> json)
    {
        // Editors on Windows save a byte order mark, which the JSON reader does not accept.
        if (json.StartsWith("\uFEFF"u8))
        {
            json = json[3..];
        }

        var options = new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };
        var reader = new Utf8JsonReader(json, options);
        var objects = new Stack<HashSet<string>>();
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw new AddonHostException($"{path} is not a JSON object; it must start with '{{'.");
            }

            objects.Push(new HashSet<string>(StringComparer.OrdinalIgnoreCase));
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject:
                        objects.Push(new HashSet<string>(StringComparer.OrdinalIgnoreCase));
                        break;
                    case JsonTokenType.EndObject:
                        objects.Pop();
                        break;
                    case JsonTokenType.PropertyName:
                        var name = reader.GetString()!;
                        if (!objects.Peek().Add(name))
                        {
                            throw new AddonHostException(
                                $"{path}, line {LineOf(json, reader.TokenStartIndex)}: the key \"{name}\" appears twice in the same object (keys are case-insensitive).");
                        }

                        break;
                }
            }
        }
        catch (JsonException ex)
        {
            var line = (ex.LineNumber ?? 0) + 1;
            var column = (ex.BytePositionInLine ?? 0) + 1;
            throw new AddonHostException($"{path}, line {line}, column {column}: malformed JSON ({FirstSentence(ex.Message)}).", ex);
        }
    }

    private static long LineOf(ReadOnlySpan<byte> json, long offset) => json[..(int)offset].Count((byte)'\n') + 1;

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(" Path:", StringComparison.Ordinal);
        var text = (end > 0 ? message[..end] : message).TrimEnd('.', ' ');
        return text.Length > 0 ? text : "syntax error";
    }

    public override string ToString() => FullPath;
}
