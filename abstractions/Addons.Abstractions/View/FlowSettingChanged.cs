using Addons.Abstractions.Flows;

namespace Addons.Abstractions.View;

/// <summary>Published by the View addon: a per-flow setting (<c>view.settings.setval</c>) got a new value; storage addons keep it.</summary>
public sealed record FlowSettingChanged
{
    /// <summary>The flow.</summary>
    public required Flow Flow { get; init; }

    /// <summary>The setting's name.</summary>
    public required string Key { get; init; }

    /// <summary>Its new value.</summary>
    public required string Value { get; init; }
}
