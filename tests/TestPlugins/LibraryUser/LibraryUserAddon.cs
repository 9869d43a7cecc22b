using Addons.Abstractions;
using TinyLibrary;

[assembly: AddonEntryPoint(typeof(LibraryUser.LibraryUserAddon))]

namespace LibraryUser;

/// <summary>Uses its library in a command, so that its library must be found to run it.</summary>
public sealed class LibraryUserAddon : Addon
{
    public override void Load(IAddonLoader loader) =>
        loader.AddCommand($"{Name}.greet", (string name) => Greeting.Greet(name), "Greets through TinyLibrary.");
}
