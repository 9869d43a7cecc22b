using Addons.Host.Chain;

namespace Addons.Host.Tests.Chain;

public sealed class HookGateTests
{
    [Test]
    public void AnOpenGateLetsHooksThroughAndCountsThem()
    {
        var gate = new HookGate();

        Assert.That(gate.TryEnter(), Is.True);
        Assert.That(gate.TryEnter(), Is.True);
        Assert.That(gate.InFlight, Is.EqualTo(2));
        gate.Exit();
        gate.Exit();
        Assert.That(gate.InFlight, Is.Zero);
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task ClosingWaitsForTheHooksUnderWayAndHoldsBackTheOnesThatComeUntilItOpens(CancellationToken cancellationToken)
    {
        var gate = new HookGate();
        Assert.That(gate.TryEnter(), Is.True);

        var closing = Task.Run(() => gate.CloseAsync(TimeSpan.FromSeconds(5)), cancellationToken);
        while (!gate.IsClosed)
        {
            await Task.Delay(1, cancellationToken);
        }

        var waiting = Task.Run(async () => await gate.EnterAsync(cancellationToken), cancellationToken);
        await Task.Delay(50, cancellationToken);
        Assert.That((closing.IsCompleted, waiting.IsCompleted), Is.EqualTo((false, false)), "the hook under way holds the swap, which holds the new hook");

        gate.Exit();
        Assert.That(await closing, Is.True);
        await Task.Delay(50, cancellationToken);
        Assert.That(waiting.IsCompleted, Is.False, "the new hook waits for the swap to end");

        gate.Open();
        await waiting;
        Assert.That(gate.InFlight, Is.EqualTo(1));
    }

    [Test]
    public async Task AHookThatDoesNotFinishMakesTheCloseGiveUpAfterTheTimeout()
    {
        var gate = new HookGate();
        gate.TryEnter();

        var drained = await gate.CloseAsync(TimeSpan.FromMilliseconds(100));

        Assert.That((drained, gate.IsClosed, gate.InFlight), Is.EqualTo((false, true, 1)));
        gate.Open();
        Assert.That(gate.TryEnter(), Is.True);
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task TheSwapItselfPassesTheGateItClosedAndNoOneElseDoes(CancellationToken cancellationToken)
    {
        var gate = new HookGate();
        Assert.That(await gate.CloseAsync(TimeSpan.FromSeconds(1)), Is.True);

        // The swap's own async flow (an old instance's done calling into the chain) passes; a flow of its own does not.
        Assert.That(gate.TryEnter(), Is.True);
        gate.Exit();
        Task<bool> other;
        using (ExecutionContext.SuppressFlow())
        {
            other = Task.Run(gate.TryEnter, cancellationToken);
        }

        Assert.That(await other, Is.False);
        gate.Open();
        Assert.That(gate.TryEnter(), Is.True);
    }
}
