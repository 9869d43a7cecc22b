using System.Collections;
using System.Globalization;

namespace Addons.Host.Chain;

/// <summary>
/// The log scope of one addon's hook for one flow: what it logs meanwhile carries <c>Addon</c> and <c>FlowId</c> as
/// fields (the JSON console formatter with IncludeScopes prints them, OpenTelemetry exports them as attributes).
/// </summary>
internal sealed class HookScope(string addon, Guid flowId) : IReadOnlyList<KeyValuePair<string, object?>>
{
    public int Count => 2;

    public KeyValuePair<string, object?> this[int index] => index switch
    {
        0 => new("Addon", addon),
        1 => new("FlowId", flowId),
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        yield return this[0];
        yield return this[1];
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"Addon:{addon} FlowId:{flowId}");
}
