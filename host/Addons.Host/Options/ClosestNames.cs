namespace Addons.Host.Options;

/// <summary>
/// The names a mistyped one most likely meant: those fewest edits away (a letter added, dropped or changed, two
/// neighbours swapped; case ignored), if they are close enough to be a typing mistake rather than another name.
/// </summary>
internal static class ClosestNames
{
    /// <summary>The candidates nearest to <paramref name="name"/>, at most <paramref name="max"/>, in their given order; empty if none is close.</summary>
    public static IReadOnlyList<string> Find(string name, IEnumerable<string> candidates, int max = 3)
    {
        // One edit in three characters still reads as a typo of the name; more reads as another word.
        var limit = Math.Max(1, name.Length / 3);
        var best = int.MaxValue;
        var closest = new List<string>();
        foreach (var candidate in candidates)
        {
            var distance = Distance(name, candidate);
            if (distance > limit || distance > best)
            {
                continue;
            }

            if (distance < best)
            {
                best = distance;
                closest.Clear();
            }

            closest.Add(candidate);
        }

        return closest.Count > max ? closest.GetRange(0, max) : closest;
    }

    /// <summary>The optimal string alignment distance, ignoring case.</summary>
    public static int Distance(string a, string b)
    {
        // Three rows of the dynamic programming table: two back for swaps, one back, and the current one.
        var before = new int[b.Length + 1];
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = char.ToLowerInvariant(a[i - 1]) == char.ToLowerInvariant(b[j - 1]) ? 0 : 1;
                var value = Math.Min(Math.Min(previous[j] + 1, current[j - 1] + 1), previous[j - 1] + cost);
                if (i > 1 && j > 1 && char.ToLowerInvariant(a[i - 1]) == char.ToLowerInvariant(b[j - 2]) &&
                    char.ToLowerInvariant(a[i - 2]) == char.ToLowerInvariant(b[j - 1]))
                {
                    value = Math.Min(value, before[j - 2] + 1);
                }

                current[j] = value;
            }

            (before, previous, current) = (previous, current, before);
        }

        return previous[b.Length];
    }
}
