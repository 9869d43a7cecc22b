namespace FleetSync.Messages;

/// <summary>A host was put on or taken off the fleet's blocklist.</summary>
public sealed record BlocklistChanged(string Host, bool Blocked);
