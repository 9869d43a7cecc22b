using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;
using Addons.Abstractions.Flows;

namespace Addons.View;

/// <summary>
/// Passes over every flow (filtering, computing keys) wait on memory: each flow, its request and its response lie
/// in a different place of a heap of gigabytes. Asking the processor to fetch flows some steps ahead, and the
/// request and response of nearer ones, and the host and path of the nearest, overlaps those waits. A prefetch never faults and has no effect on results.
/// </summary>
internal static class MemoryAhead
{
    private const int FlowDistance = 16;
    private const int PartDistance = 8;
    private const int TextDistance = 4;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Fetch(Flow?[] flows, int slot)
    {
        if (!Sse.IsSupported)
        {
            return;
        }

        if ((uint)(slot + FlowDistance) < (uint)flows.Length)
        {
            Object(flows[slot + FlowDistance]);
        }

        if ((uint)(slot + PartDistance) < (uint)flows.Length && flows[slot + PartDistance] is HttpFlow near)
        {
            Object(near.Request);
            Object(near.Response);
        }

        if ((uint)(slot + TextDistance) < (uint)flows.Length && flows[slot + TextDistance] is HttpFlow nearer)
        {
            Object(nearer.Request.Host);
            Object(nearer.Request.Path);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Object(object? value)
    {
        if (value is not null)
        {
            Sse.Prefetch0((void*)Unsafe.As<object, nint>(ref value));
        }
    }
}
