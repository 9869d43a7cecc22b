namespace Addons.Abstractions.Commands;

/// <summary>A command could not be run; the message names the command and, where it applies, the argument.</summary>
public sealed class CommandException : Exception
{
    /// <summary>Creates the exception.</summary>
    public CommandException()
    {
    }

    /// <summary>Creates the exception with a message naming the command.</summary>
    public CommandException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the underlying cause.</summary>
    public CommandException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
