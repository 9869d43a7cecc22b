using System.Runtime.InteropServices;

namespace Addons.Host.Tests.Infrastructure;

/// <summary>
/// Signals for a child process, as a terminal or a service manager sends them (<see cref="System.Diagnostics.Process.Kill()"/>
/// only sends SIGKILL, which no program can handle).
/// </summary>
internal static partial class UnixSignal
{
    public const int Interrupt = 2;
    public const int Terminate = 15;

    /// <summary>Sends <paramref name="signal"/> to the process <paramref name="processId"/>; fails the test if it cannot.</summary>
    public static void Send(int processId, int signal)
    {
        if (Kill(processId, signal) != 0)
        {
            Assert.Fail($"kill({processId}, {signal}) failed with errno {Marshal.GetLastPInvokeError()}.");
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
