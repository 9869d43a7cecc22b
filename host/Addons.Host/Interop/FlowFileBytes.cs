namespace Addons.Host.Interop;

/// <summary>A flow file's bytes, and its full name for messages.</summary>
internal static class FlowFileBytes
{
    /// <exception cref="FormatException">The file cannot be read; the message names it.</exception>
    public static (byte[] Bytes, string Name) Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var name = Path.GetFullPath(path);
        try
        {
            return (File.ReadAllBytes(name), name);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FormatException($"Flow file {name} cannot be read: {e.Message}", e);
        }
    }
}
