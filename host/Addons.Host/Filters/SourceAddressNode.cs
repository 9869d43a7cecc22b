using Addons.Abstractions.Flows;

namespace Addons.Host.Filters;

/// <summary><c>~src REGEX</c>: flows whose client address, as <c>host:port</c>, matches.</summary>
internal sealed class SourceAddressNode(FilterRegex regex) : FilterNode
{
    public override bool Matches(Flow flow) => flow.Client.PeerName is { } address && AddressMatches(regex, address);

    public override string Describe() => "source address matches " + regex.Description;

    /// <summary>Whether <paramref name="regex"/> matches <paramref name="address"/> formatted as <c>host:port</c>.</summary>
    internal static bool AddressMatches(FilterRegex regex, HostPort address)
    {
        var text = new PooledTextBuilder(stackalloc char[128]);
        try
        {
            FlowText.AppendAddress(address, ref text);
            return regex.IsMatch(text.Text);
        }
        finally
        {
            text.Dispose();
        }
    }
}
