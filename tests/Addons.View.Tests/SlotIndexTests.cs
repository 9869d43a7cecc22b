namespace Addons.View.Tests;

/// <summary>The view's index from flow id to slot: every id added is found until it is removed, whatever else goes.</summary>
public sealed class SlotIndexTests
{
    [Test]
    public void EveryIdIsFoundAfterGrowthAndRemovalsOfOthers()
    {
        var ids = new List<Guid>();
        var index = new SlotIndex(slot => slot < ids.Count ? ids[slot] : Guid.Empty);
        for (var slot = 0; slot < 50_000; slot++)
        {
            ids.Add(Guid.NewGuid());
            index.Add(ids[slot], slot);
        }

        // Removing two in three moves later entries of their probe runs back; each must stay reachable.
        var random = new Random(3);
        var removed = new HashSet<int>(Enumerable.Range(0, ids.Count).Where(_ => random.Next(3) != 0));
        foreach (var slot in removed)
        {
            Assert.That(index.Remove(ids[slot]), Is.True);
        }

        Assert.Multiple(() =>
        {
            Assert.That(index.Count, Is.EqualTo(ids.Count - removed.Count));
            Assert.That(Enumerable.Range(0, ids.Count).Where(s => index.Find(ids[s]) != (removed.Contains(s) ? -1 : s)), Is.Empty);
            Assert.That(index.Find(Guid.NewGuid()), Is.EqualTo(-1));
            Assert.That(index.Remove(Guid.NewGuid()), Is.False);
        });
    }

    [Test]
    public void ARebuildAfterSlotsMoveFindsThemAtTheirNewPlaces()
    {
        var ids = Enumerable.Range(0, 3_000).Select(_ => Guid.NewGuid()).ToList();
        var index = new SlotIndex(slot => slot < ids.Count ? ids[slot] : Guid.Empty);
        for (var slot = 0; slot < ids.Count; slot++)
        {
            index.Add(ids[slot], slot);
        }

        ids.Reverse();
        index.Rebuild(ids.Count);

        Assert.That(Enumerable.Range(0, ids.Count).Select(s => index.Find(ids[s])), Is.EqualTo(Enumerable.Range(0, ids.Count)));
    }
}
