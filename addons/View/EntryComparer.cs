namespace Addons.View;

/// <summary>The view's order: cached key first, then insertion, so equal keys keep insertion order.</summary>
internal static class EntryComparer
{
    public static int Order(ViewEntry a, ViewEntry b) => Order(a.Key, a.Sequence, b.Key, b.Sequence);

    public static int Order(SortKey aKey, long aSequence, SortKey bKey, long bSequence)
    {
        var byKey = aKey.CompareTo(bKey);
        return byKey != 0 ? byKey : aSequence.CompareTo(bSequence);
    }
}
