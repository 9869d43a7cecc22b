using System.Globalization;
using Npgsql;

namespace Addons.Session.Fleet;

/// <summary>
/// A fleet store as -r and -w name it: <c>postgresql://user@host:port/database?filter=...&amp;since=...</c>. The
/// query's <c>filter</c>, <c>since</c>, <c>until</c> and <c>hosts</c> choose the flows -r reads, and <c>host_id</c>
/// tags the flows -w writes (default <c>import</c>); any other key is an Npgsql connection setting (such as
/// <c>sslmode=require</c>). Percent-escapes are decoded (a space in a filter is <c>%20</c>). The password comes from the
/// URL, PGPASSWORD or a .pgpass file.
/// </summary>
internal sealed record FleetLocation(string ConnectionString, string? Filter, DateTimeOffset? Since, DateTimeOffset? Until, IReadOnlyList<string> Hosts, string HostId)
{
    /// <summary>Whether <paramref name="location"/> names a fleet store.</summary>
    public static bool Is(string location) =>
        location.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase) || location.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase);

    /// <exception cref="FormatException">The URL cannot be read, in one sentence naming what is wrong (never the password).</exception>
    public static FleetLocation Parse(string location, string shown)
    {
        if (!Uri.TryCreate(location, UriKind.Absolute, out var uri) || uri.Host.Length == 0)
        {
            throw new FormatException($"{shown} is not a URL of a fleet store: write postgresql://user@host:port/database.");
        }

        var builder = new NpgsqlConnectionStringBuilder { Host = uri.IdnHost, Port = uri.IsDefaultPort || uri.Port < 0 ? 5432 : uri.Port };
        if (uri.UserInfo.Length > 0)
        {
            var colon = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
            builder.Username = Uri.UnescapeDataString(colon < 0 ? uri.UserInfo : uri.UserInfo[..colon]);
            if (colon >= 0)
            {
                builder.Password = Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]);
            }
        }

        var database = Uri.UnescapeDataString(uri.AbsolutePath.Trim('/'));
        if (database.Length > 0)
        {
            builder.Database = database;
        }

        string? filter = null;
        DateTimeOffset? since = null, until = null;
        var hosts = new List<string>();
        var hostId = "import";
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var key = Uri.UnescapeDataString(equals < 0 ? pair : pair[..equals]);
            var value = equals < 0 ? "" : Uri.UnescapeDataString(pair[(equals + 1)..]);
            switch (key)
            {
                case "filter":
                    filter = value;
                    break;
                case "since":
                    since = Time(value, key, shown);
                    break;
                case "until":
                    until = Time(value, key, shown);
                    break;
                case "hosts":
                    hosts.AddRange(value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
                    break;
                case "host_id":
                    hostId = value;
                    break;
                default:
                    try
                    {
                        builder[key] = value;
                    }
                    catch (Exception e) when (e is ArgumentException or FormatException or InvalidCastException)
                    {
                        throw new FormatException($"{shown}: '{key}' is neither filter, since, until, hosts, host_id nor a PostgreSQL connection setting ({e.Message}).", e);
                    }

                    break;
            }
        }

        return new FleetLocation(builder.ConnectionString, filter, since, until, hosts, hostId);
    }

    private static DateTimeOffset Time(string value, string key, string shown) =>
        DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            ? time
            : throw new FormatException($"{shown}: {key} '{value}' is not a time (ISO 8601, such as 2026-12-06T14:00:00Z).");
}
