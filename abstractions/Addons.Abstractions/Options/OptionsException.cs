namespace Addons.Abstractions.Options;

/// <summary>An option change could not be made; the message names the option and why. Nothing was changed.</summary>
public sealed class OptionsException : Exception
{
    /// <summary>Creates the exception.</summary>
    public OptionsException()
    {
    }

    /// <summary>Creates the exception with a message naming the option.</summary>
    public OptionsException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the underlying cause.</summary>
    public OptionsException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
