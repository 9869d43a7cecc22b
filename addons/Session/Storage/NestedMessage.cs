namespace Addons.Session.Storage;

/// <summary>Where a nested message's content starts, and how many bytes were reserved before it for its length (see <see cref="ProtoWriter.BeginNested"/>).</summary>
internal readonly record struct NestedMessage(int Start, int Reserved);
