namespace PingMessages;

/// <summary>A message of the plugins' own, not of the contract.</summary>
public sealed class Ping(string text)
{
    public string Text { get; } = text;
}
