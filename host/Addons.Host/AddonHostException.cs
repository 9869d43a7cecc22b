namespace Addons.Host;

/// <summary>
/// Something a user can fix stopped the host from starting or an addon from loading. The message is one or more
/// sentences, each naming the file, key, plugin or addon at fault; it is shown as it is, without a stack trace.
/// </summary>
internal sealed class AddonHostException : Exception
{
    public AddonHostException(string message)
        : base(message)
    {
    }

    public AddonHostException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public AddonHostException(IReadOnlyCollection<string> errors)
        : base(string.Join(Environment.NewLine, errors))
    {
        Errors = errors;
    }

    /// <summary>Every error found, when there were several.</summary>
    public IReadOnlyCollection<string> Errors { get; } = [];
}
