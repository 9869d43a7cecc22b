using Addons.Abstractions.Flows;

namespace Addons.Abstractions.Tests.Filters;

/// <summary>A flow of another type than HTTP, to check that HTTP-only operators do not match it.</summary>
internal sealed class TcpTestFlow : Flow
{
    public override FlowType Type => FlowType.Tcp;

    public override Flow Copy() => throw new NotSupportedException();
}
