namespace Addons.Session.Storage;

/// <summary>The text columns of a flow's segment row, which <see cref="EncodedFlow"/> keeps in UTF-8.</summary>
internal enum TextColumn
{
    Method,
    Host,
    Url,
    Marker,
    PrettyUrl,
    PrettyHost,
}
