using Addons.Abstractions.Flows;

namespace Addons.Host.Filters;

/// <summary><c>~dst REGEX</c>: flows whose server address, as <c>host:port</c>, matches.</summary>
internal sealed class DestinationAddressNode(FilterRegex regex) : FilterNode
{
    public override bool Matches(Flow flow) =>
        flow.Server.Address is { } address && SourceAddressNode.AddressMatches(regex, address);

    public override string Describe() => "destination address matches " + regex.Description;
}
