namespace Addons.Host;

/// <summary>
/// What an application says in code about the proxy it embeds, beside its configuration section
/// (<see cref="Microsoft.Extensions.DependencyInjection.AddonProxyServiceCollectionExtensions.AddAddonProxy(Microsoft.Extensions.DependencyInjection.IServiceCollection, Microsoft.Extensions.Configuration.IConfiguration, Action{AddonProxyOptions}?)"/>).
/// </summary>
public sealed class AddonProxyOptions
{
    private readonly List<KeyValuePair<string, string>> _sets = [];

    /// <summary>
    /// The folder a relative plugin path (<c>Addons:ID:Path</c>) is resolved against first; the application's folder is
    /// tried next. Null (the default) means the host's content root.
    /// </summary>
    public string? PluginsDirectory { get; set; }

    /// <summary>Reload every plugin when its build changes, as <c>addons-host --watch</c> does.</summary>
    public bool Watch { get; set; }

    /// <summary>
    /// Whether what an addon logs about a flow carries <c>Addon</c> and <c>FlowId</c> as a log scope, for a log that
    /// records scopes (OpenTelemetry, a JSON console). Null (the default): when the console log shows scopes. A scope
    /// costs a little on every hook, so it is off where nothing would show it.
    /// </summary>
    public bool? LogScopes { get; set; }

    /// <summary>The option values set with <see cref="Set"/>, in order.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Sets => _sets;

    /// <summary>
    /// Sets an addon option by name as <c>addons-host --set NAME=VALUE</c> does: after every configuration section, and
    /// checked as they are (an unknown name or a value of the wrong kind stops the host at start with one sentence).
    /// </summary>
    /// <returns>These options, to chain calls.</returns>
    public AddonProxyOptions Set(string name, string value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(value);
        _sets.Add(KeyValuePair.Create(name, value));
        return this;
    }
}
