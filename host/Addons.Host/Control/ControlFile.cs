using System.Text.Json;
using System.Text.Json.Serialization;

namespace Addons.Host.Control;

/// <summary>
/// Where a running host's control endpoint is and its token: <c>control.json</c> in the host's data folder
/// (<c>confdir</c>), readable by its owner only (mode 0600), so that <c>addons-host --command</c> finds the host and
/// nobody else can use it.
/// </summary>
internal sealed record ControlFile(
    [property: JsonPropertyName("url")] string Url,
    [property: JsonPropertyName("token")] string Token,
    [property: JsonPropertyName("pid")] int ProcessId)
{
    public const string FileName = "control.json";

    public static string PathIn(string folder) => Path.Combine(folder, FileName);

    /// <summary>Writes the file anew, owner-only from its creation (never readable by others, even for a moment).</summary>
    public void Write(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            if (File.Exists(path))
            {
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
        }

        using var stream = new FileStream(path, options);
        JsonSerializer.Serialize(stream, this);
    }

    /// <summary>Reads the file of a running host; throws <see cref="AddonHostException"/> with one sentence when it cannot.</summary>
    public static ControlFile Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new AddonHostException($"No host is running with this data folder: {path} does not exist (a host writes it when it starts; give the host's folder with --set confdir=DIR).");
        }

        try
        {
            return JsonSerializer.Deserialize<ControlFile>(File.ReadAllText(path)) is { Url.Length: > 0, Token.Length: > 0 } file
                ? file
                : throw new AddonHostException($"{path} names no control endpoint and token; restart the host to write it anew.");
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            throw new AddonHostException($"{path} cannot be read ({e.Message}); restart the host to write it anew.", e);
        }
    }
}
