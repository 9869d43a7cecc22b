using System.Globalization;
using System.Text;
using Npgsql;
using NpgsqlTypes;

namespace Addons.Session.Fleet;

/// <summary>
/// The SQL a fleet query reads with: the time range (which also picks the day partitions to read), the hosts, and the
/// part of a filter expression that SQL can decide. Only the top-level "and" terms of mitmproxy's filter language whose
/// meaning SQL gives exactly or as a superset are pushed down (<c>~c</c>, <c>~e</c>, <c>~s</c>, <c>~q</c>,
/// <c>~marked</c>, and <c>~m</c>, <c>~d</c>, <c>~u</c> or a bare word whose regex is a plain ASCII literal, as a
/// case-insensitive substring); the filter itself then decides every row SQL returns, so pushing down never changes
/// the result, only how many rows are read. An expression with <c>|</c>, <c>!</c>, parentheses or quotes is not
/// pushed down at all.
/// </summary>
internal sealed class FleetQuery
{
    private readonly List<string> _conditions = [];
    private readonly List<NpgsqlParameter> _parameters = [];

    private FleetQuery()
    {
    }

    /// <summary>The conditions, joined for a WHERE clause (<c>true</c> when there are none).</summary>
    public string Where => _conditions.Count == 0 ? "true" : string.Join(" AND ", _conditions);

    /// <summary>The conditions as SQL, for tests and for the benchmark's report.</summary>
    public IReadOnlyList<string> Conditions => _conditions;

    /// <summary>How many of the filter's terms SQL decides.</summary>
    public int PushedDown { get; private set; }

    /// <summary>A query for flows created in [<paramref name="since"/>, <paramref name="until"/>) of the given hosts, narrowed by <paramref name="pattern"/>.</summary>
    public static FleetQuery For(string? pattern, DateTimeOffset? since = null, DateTimeOffset? until = null, IReadOnlyCollection<string>? hosts = null)
    {
        var query = new FleetQuery();
        if (since is { } from)
        {
            query.Add("created_at >= {0}", from.ToUniversalTime(), NpgsqlDbType.TimestampTz);
        }

        if (until is { } to)
        {
            query.Add("created_at < {0}", to.ToUniversalTime(), NpgsqlDbType.TimestampTz);
        }

        if (hosts is { Count: > 0 })
        {
            query.Add("host_id = ANY({0})", hosts.ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text);
        }

        if (!string.IsNullOrWhiteSpace(pattern))
        {
            query.PushDown(pattern);
        }

        return query;
    }

    /// <summary>Adds the parameters to <paramref name="command"/>.</summary>
    public void Bind(NpgsqlCommand command)
    {
        foreach (var parameter in _parameters)
        {
            command.Parameters.Add(parameter.Clone());
        }
    }

    private void Add(string condition, object value, NpgsqlDbType type)
    {
        var name = $"@p{_parameters.Count}";
        _parameters.Add(new NpgsqlParameter(name, type) { Value = value });
        _conditions.Add(string.Format(CultureInfo.InvariantCulture, condition, name));
    }

    private void PushDown(string pattern)
    {
        if (pattern.AsSpan().IndexOfAny("|!()\"'") >= 0)
        {
            return;
        }

        var tokens = pattern.Split([' ', '\t', '\r', '\n'], StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < tokens.Length; i++)
        {
            var token = tokens[i];
            if (token == "&")
            {
                continue;
            }

            if (!token.StartsWith('~'))
            {
                // A bare word is ~u.
                PushDownUrl(token);
                continue;
            }

            var argument = i + 1 < tokens.Length ? tokens[i + 1] : null;
            switch (token)
            {
                case "~e":
                    AddTerm("error");
                    break;
                case "~s":
                    AddTerm("status IS NOT NULL");
                    break;
                case "~q":
                    AddTerm("status IS NULL");
                    break;
                case "~marked":
                    AddTerm("marker <> ''");
                    break;
                case "~http" or "~all":
                    break;
                case "~c" when argument is not null:
                    i++;
                    if (int.TryParse(argument, NumberStyles.None, CultureInfo.InvariantCulture, out var code))
                    {
                        Add("status = {0}", code, NpgsqlDbType.Integer);
                        PushedDown++;
                    }

                    break;
                case "~m" when argument is not null:
                    i++;
                    PushDownLiteral(argument, "method ILIKE {0}");
                    break;
                case "~d" when argument is not null:
                    i++;
                    PushDownLiteral(argument, "(host ILIKE {0} OR pretty_host ILIKE {0})");
                    break;
                case "~u" when argument is not null:
                    i++;
                    PushDownUrl(argument);
                    break;
                default:
                    // Not decided by the columns (headers, bodies, addresses...): the records decide. Whether the
                    // operator takes an argument is not known here, so the rest of the expression is left as it is.
                    return;
            }
        }
    }

    private void AddTerm(string condition)
    {
        _conditions.Add(condition);
        PushedDown++;
    }

    private void PushDownUrl(string argument) => PushDownLiteral(argument, "COALESCE(pretty_url, url) ILIKE {0}");

    private void PushDownLiteral(string regex, string condition)
    {
        if (Literal(regex) is not { } literal)
        {
            return;
        }

        Add(condition, $"%{literal}%", NpgsqlDbType.Text);
        PushedDown++;
    }

    /// <summary>
    /// The LIKE pattern (without the % around it) for a regex that is a plain ASCII literal: letters, digits and
    /// <c>_-/:=,@%</c>, with <c>\.</c> for a dot and a bare <c>.</c> as any run of characters; null for anything else.
    /// A case-insensitive .NET regex also matches <c>k</c> with the Kelvin sign and <c>s</c> with the long s, which
    /// ILIKE does not: those letters become "any one character", so that SQL never leaves out a flow the filter matches.
    /// </summary>
    internal static string? Literal(string regex)
    {
        var like = new StringBuilder(regex.Length + 4);
        for (var i = 0; i < regex.Length; i++)
        {
            var c = regex[i];
            if (c == '\\' && i + 1 < regex.Length && regex[i + 1] is '.' or '/' or '-' or ':' or '=' or ',' or '@')
            {
                like.Append(regex[++i]);
            }
            else if (c == '.')
            {
                // Any one UTF-16 unit to the regex, half of a character outside the BMP: any run of characters to LIKE.
                like.Append('%');
            }
            else if (c is 'k' or 'K' or 's' or 'S')
            {
                like.Append('_');
            }
            else if (char.IsAsciiLetterOrDigit(c) || c is '-' or '/' or ':' or '=' or ',' or '@')
            {
                like.Append(c);
            }
            else if (c is '_' or '%')
            {
                like.Append('\\').Append(c);
            }
            else
            {
                return null;
            }
        }

        return like.Length == 0 ? null : like.ToString();
    }
}
