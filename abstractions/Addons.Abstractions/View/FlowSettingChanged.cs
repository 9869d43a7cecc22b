using Addons.Abstractions.Flows;

namespace Addons.Abstractions.View;

/// <summary>Published by the View addon: a per-flow setting (<c>view.settings.setval</c>) got a new value; storage addons keep it.</summary>
/// <param name="Flow">The flow.</param>
/// <param name="Key">The setting's name.</param>
/// <param name="Value">Its new value.</param>
public sealed record FlowSettingChanged(Flow Flow, string Key, string Value);
