using Addons.Abstractions.Flows;

namespace Addons.Abstractions.Interop;

/// <summary>Writes flows into a file of an <see cref="IFlowFileFormat"/>; disposing it completes the file.</summary>
public interface IFlowFileWriter : IDisposable
{
    /// <summary>Adds a flow (a flow written again replaces its earlier state where the format allows, else is added again).</summary>
    /// <exception cref="IOException">The file cannot take it, in one sentence naming the file.</exception>
    void Write(Flow flow);
}
