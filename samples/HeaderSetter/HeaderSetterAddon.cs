using Addons.Abstractions;
using Addons.Abstractions.Flows;
using Addons.Abstractions.Hooks;
using Addons.Abstractions.Options;

[assembly: AddonEntryPoint(typeof(HeaderSetter.HeaderSetterAddon))]

namespace HeaderSetter;

/// <summary>Sets the headers of the option set_headers on every request (or, with set_headers_on=response, every response).</summary>
public sealed class HeaderSetterAddon : Addon
{
    private IOption<IReadOnlyList<string>> _headers = null!;
    private IOption<string> _on = null!;
    private volatile HeaderField[] _parsed = [];

    public override void Load(IAddonLoader loader)
    {
        _headers = loader.AddOption<IReadOnlyList<string>>("set_headers", [], "Headers to set, each \"Name: value\".");
        _on = loader.AddOption("set_headers_on", "request", "Set them on requests (the server sees them) or responses (the client does).", ["request", "response"]);
    }

    // Parsed once per change, and refused as a whole with one sentence: the host then keeps the previous value.
    public override ValueTask ConfigureAsync(ConfigureContext context)
    {
        var parsed = new List<HeaderField>();
        foreach (var entry in _headers.Value)
        {
            var colon = entry.IndexOf(':', StringComparison.Ordinal);
            var name = colon > 0 ? entry[..colon].Trim() : "";
            var value = colon > 0 ? entry[(colon + 1)..].Trim() : "";
            if (name.Length == 0 || !name.All(IsTokenChar) || value.Any(c => char.IsControl(c) || c > '\u00FF'))
            {
                context.Reject($"set_headers: \"{entry}\" is not a header as \"Name: value\", such as \"X-Team: blue\".");
                return default;
            }

            parsed.Add(new HeaderField(name, value));
        }

        _parsed = [.. parsed];
        return default;
    }

    public override ValueTask RequestAsync(HttpFlowContext context)
    {
        if (_on.Value == "request")
        {
            Set(context.Flow.Request.Headers);
        }

        return default;
    }

    public override ValueTask ResponseAsync(HttpFlowContext context)
    {
        if (_on.Value == "response" && context.Flow.Response is { } response)
        {
            Set(response.Headers);
        }

        return default;
    }

    private void Set(HttpHeaders headers)
    {
        foreach (var header in _parsed)
        {
            headers.Set(header.Name, header.Value);
        }
    }

    // RFC 9110's token: what a header name may hold.
    private static bool IsTokenChar(char c) => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal);
}
