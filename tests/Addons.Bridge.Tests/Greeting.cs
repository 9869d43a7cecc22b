namespace Addons.Bridge.Tests;

/// <summary>A message type of the tests' own, bridged between the hosts they start.</summary>
public sealed record Greeting(string Text, int Number);

/// <summary>A message type no bridge in the tests forwards.</summary>
public sealed record Unbridged(string Text);

/// <summary>A value type, which the bridge refuses: a copy is made each time it is published.</summary>
public readonly record struct Ping(int Number);
