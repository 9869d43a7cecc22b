namespace Addons.Host.Health;

/// <summary>
/// Where the addons are in their life, for the health checks: loaded and running, or not yet, or stopping; and the
/// plugins that failed without stopping the host. <see cref="Hosting.AddonHost"/> writes it.
/// </summary>
internal sealed class HostReadiness
{
    private readonly List<string> _failures = [];
    private volatile bool _running;
    private volatile bool _stopping;

    public bool Running => _running && !_stopping;

    public bool Stopping => _stopping;

    public IReadOnlyList<string> Failures
    {
        get
        {
            lock (_failures)
            {
                return [.. _failures];
            }
        }
    }

    public void AddFailure(string sentence)
    {
        lock (_failures)
        {
            _failures.Add(sentence);
        }
    }

    public void SetRunning() => _running = true;

    public void SetStopping() => _stopping = true;
}
