namespace Addons.Testing.Tests.Probes;

/// <summary>A message the probes publish and follow on the bus.</summary>
internal sealed record ProbeMessage(string From, string Text);
