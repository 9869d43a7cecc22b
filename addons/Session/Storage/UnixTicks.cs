namespace Addons.Session.Storage;

/// <summary>
/// The schema's timestamp unit: 100-nanosecond ticks since 1970-01-01T00:00:00Z, exact for <see cref="DateTimeOffset"/>.
/// </summary>
internal static class UnixTicks
{
    private static readonly long EpochTicks = DateTimeOffset.UnixEpoch.UtcTicks;

    public static long From(DateTimeOffset value) => value.UtcTicks - EpochTicks;

    /// <summary>The instant, in UTC; <see cref="ArgumentOutOfRangeException"/> or <see cref="OverflowException"/> when it is outside DateTimeOffset's range.</summary>
    public static DateTimeOffset To(long ticks) => new(checked(ticks + EpochTicks), TimeSpan.Zero);
}
