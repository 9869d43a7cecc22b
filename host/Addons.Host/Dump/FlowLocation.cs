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

    /// <summary>
    /// The location for messages: a URL's password (what follows the user's name, up to the authority's last <c>@</c>)
    /// replaced by <c>***</c>, and its query, which may hold settings such as a password, by <c>?…</c>.
    /// </summary>
    public static string Display(string location)
    {
        if (!IsUrl(location))
        {
            return location;
        }

        var start = location.IndexOf("://", StringComparison.Ordinal) + 3;
        var query = location.IndexOf('?', start);
        var shown = query < 0 ? location : location[..query] + "?…";
        var authorityEnd = shown.IndexOfAny(['/', '?'], start);
        var authority = authorityEnd < 0 ? shown.Length : authorityEnd;
        var at = shown.LastIndexOf('@', authority - 1, authority - start);
        if (at < 0)
        {
            return shown;
        }

        var colon = shown.IndexOf(':', start, at - start);
        return colon < 0 ? shown : $"{shown[..(colon + 1)]}***{shown[at..]}";
    }
}
