namespace Addons.Session.Storage;

/// <summary>One per-flow setting (a View setting or an addon's annotation).</summary>
/// <param name="FlowId">The flow it belongs to.</param>
/// <param name="Key">The setting's name.</param>
/// <param name="Value">Its value.</param>
internal readonly record struct FlowSetting(Guid FlowId, string Key, string Value);
