namespace Addons.Bridge.Tests;

/// <summary>A message type of the tests' own, bridged between the hosts they start.</summary>
public sealed record Greeting(string Text, int Number);

/// <summary>A message type no bridge in the tests forwards.</summary>
public sealed record Unbridged(string Text);
