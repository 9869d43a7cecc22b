namespace Addons.Abstractions.Storage;

/// <summary>An <see cref="IFlowArchive"/> could not be read; the message names the archive and, where one is concerned, the flow.</summary>
public sealed class FlowArchiveException : Exception
{
    /// <summary>Creates the exception.</summary>
    public FlowArchiveException()
    {
    }

    /// <summary>Creates the exception with its message.</summary>
    public FlowArchiveException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with its message and cause.</summary>
    public FlowArchiveException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
