using Addons.Host.Hosting;
using Addons.Host.Options;
using Microsoft.Extensions.Configuration;

namespace Addons.Host.Configuration;

/// <summary>
/// The <c>Watch</c> section: how hot reload (<c>--watch</c>, an entry's <c>"Watch": true</c>) waits. Durations are
/// written as options' are: <c>500ms</c>, <c>10s</c> or <c>00:00:10</c>. Every mistake is one sentence naming the key.
/// </summary>
/// <param name="QuietPeriod">
/// How long a watched plugin's files must stay unchanged before it is reloaded: a build writes many files, and the
/// reload waits for the last.
/// </param>
/// <param name="HookTimeout">
/// How long the hooks already running in the old instance may take to finish before the swap gives up (the old
/// instance keeps running and the reload is reported as failed); also how long its <c>done</c> may take.
/// </param>
internal sealed record WatchSettings(TimeSpan QuietPeriod, TimeSpan HookTimeout)
{
    public const string SectionName = "Watch";

    private static readonly string[] KnownKeys = [nameof(QuietPeriod), nameof(HookTimeout)];

    public static WatchSettings Default { get; } = new(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(10));

    /// <summary>Reads the section; throws an <see cref="AddonHostException"/> with every mistake in it.</summary>
    public static WatchSettings Read(AddonProxySettings settings)
    {
        var section = settings.Configuration.GetSection(SectionName);
        var errors = new List<string>();
        foreach (var key in section.GetChildren())
        {
            if (!KnownKeys.Contains(key.Key, StringComparer.OrdinalIgnoreCase))
            {
                errors.Add($"{settings.Describe(key.Path)}: {key.Path} is not a known key; {SectionName} has {string.Join(", ", KnownKeys)}.");
            }
        }

        var watch = new WatchSettings(
            ReadDuration(settings, section, nameof(QuietPeriod), Default.QuietPeriod, allowZero: true, errors),
            ReadDuration(settings, section, nameof(HookTimeout), Default.HookTimeout, allowZero: false, errors));
        return errors.Count > 0 ? throw new AddonHostException(errors) : watch;
    }

    private static TimeSpan ReadDuration(AddonProxySettings settings, IConfigurationSection section, string key, TimeSpan fallback, bool allowZero, List<string> errors)
    {
        var child = section.GetSection(key);
        if (child.Value is not { } text)
        {
            return fallback;
        }

        if (OptionValues.TryParse(typeof(TimeSpan), text, out var value) && value is TimeSpan duration && (allowZero || duration > TimeSpan.Zero))
        {
            return duration;
        }

        errors.Add($"{settings.Describe(child.Path)}: {child.Path} is \"{text}\", which is not a{(allowZero ? "" : " positive")} duration such as {(allowZero ? "500ms" : "10s")} or 00:00:{(allowZero ? "00.5" : "10")}.");
        return fallback;
    }
}
