namespace Addons.View;

/// <summary>Orders entries by cached key, then by insertion; a struct so that sorting inlines it.</summary>
internal readonly struct EntryComparer : IComparer<ViewEntry>
{
    public static int Order(ViewEntry a, ViewEntry b)
    {
        var byKey = a.Key.CompareTo(b.Key);
        return byKey != 0 ? byKey : a.Sequence.CompareTo(b.Sequence);
    }

    public int Compare(ViewEntry? a, ViewEntry? b) => Order(a!, b!);
}
