namespace Addons.Abstractions.Flows;

/// <summary>
/// One header field exactly as it appeared on the wire. Names and values are Latin-1 strings: each character is one
/// byte, so any byte sequence, UTF-8 or not, survives unchanged.
/// </summary>
/// <param name="Name">The field name, with its original case.</param>
/// <param name="Value">The field value, without surrounding whitespace.</param>
public readonly record struct HeaderField(string Name, string Value);
