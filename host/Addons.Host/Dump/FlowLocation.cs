namespace Addons.Host.Dump;

/// <summary>
/// Where -r, -w and save.file read and write flows: a file, or a URL (<c>postgresql://host/db?...</c>) that only a
/// format an addon adds can read or write, such as the Session's fleet store. A URL is kept as it is (a file's path is
/// made full), and shown without its password.
/// </summary>
internal static class FlowLocation
{
    /// <summary>Whether <paramref name="location"/> is a URL: a scheme of two or more characters, then <c>://</c> (a Windows drive letter is one).</summary>
    public static bool IsUrl(string location)
    {
        var end = location.IndexOf("://", StringComparison.Ordinal);
        if (end < 2 || !char.IsAsciiLetter(location[0]))
        {
            return false;
        }

        foreach (var c in location.AsSpan(0, end))
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not '+' and not '-' and not '.')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A file's full path, or a URL as it is.</summary>
    public static string Full(string location) => IsUrl(location) ? location : Path.GetFullPath(location);

    /// <summary>The location for messages: a URL's password replaced by <c>***</c>.</summary>
    public static string Display(string location)
    {
        if (!IsUrl(location))
        {
            return location;
        }

        var start = location.IndexOf("://", StringComparison.Ordinal) + 3;
        var at = location.IndexOf('@', start);
        var slash = location.IndexOf('/', start);
        if (at < 0 || (slash >= 0 && slash < at))
        {
            return location;
        }

        var colon = location.IndexOf(':', start, at - start);
        return colon < 0 ? location : $"{location[..(colon + 1)]}***{location[at..]}";
    }
}
