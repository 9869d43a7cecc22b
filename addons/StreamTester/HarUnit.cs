using Addons.Abstractions.Filters;
using Addons.Abstractions.Flows;
using Addons.Abstractions.Interop;

namespace Addons.StreamTester;

/// <summary>
/// A unit flow from a flow file (read by the host's <see cref="IFlowFiles"/>: mitmproxy's own, HAR, or a format an
/// addon adds): the first HTTP flow, or the first one a filter matches.
/// </summary>
internal static class HarUnit
{
    /// <summary>Reads the unit flow from <paramref name="path"/>.</summary>
    /// <exception cref="FormatException">The file cannot be read, is not HAR, or no entry fits; the message names the file and entry.</exception>
    public static HttpFlow Read(IFlowFiles files, string path, IFlowFilter? filter)
    {
        var index = 0;
        foreach (var flow in files.Read(path).OfType<HttpFlow>())
        {
            if (filter is null || filter.Matches(flow))
            {
                return flow;
            }

            index++;
        }

        throw new FormatException(index == 0
            ? $"Flow file {Path.GetFullPath(path)} has no HTTP flows."
            : $"Flow file {Path.GetFullPath(path)}: none of its {index} flows matches the filter.");
    }
}
