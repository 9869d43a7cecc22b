using Addons.Abstractions.Filters;
using Addons.Abstractions.Flows;
using Addons.Abstractions.Interop;

namespace Addons.StreamTester;

/// <summary>A unit flow from a HAR file (<see cref="HarFile"/>): the first entry, or the first one a filter matches.</summary>
internal static class HarUnit
{
    /// <summary>Reads the unit flow from <paramref name="path"/>.</summary>
    /// <exception cref="FormatException">The file cannot be read, is not HAR, or no entry fits; the message names the file and entry.</exception>
    public static HttpFlow Read(string path, FlowFilter? filter)
    {
        var index = 0;
        foreach (var flow in HarFile.Read(path))
        {
            if (filter is null || filter.Matches(flow))
            {
                return flow;
            }

            index++;
        }

        throw new FormatException($"Flow file {Path.GetFullPath(path)}: none of its {index} entries matches the filter.");
    }
}
