using Addons.Host.Configuration;

namespace Addons.Host.Hosting;

/// <summary>
/// The host's own command-line switches. Anything of the form <c>--Section:Key=value</c> (or <c>--Section:Key value</c>)
/// is left to the .NET configuration system, as .NET users expect.
/// </summary>
internal sealed record HostCommandLine(
    string? PluginsPath,
    IReadOnlyList<KeyValuePair<string, string>> Sets,
    bool ListOptions,
    bool ListCommands,
    bool ShowHelp,
    IReadOnlyList<string> ConfigurationArguments)
{
    /// <summary>-q (-1), nothing (0) or -v (1): how much the host logs.</summary>
    public int Verbosity { get; init; }

    /// <summary>--command NAME: a command to run in the host already running, instead of starting one.</summary>
    public string? Command { get; init; }

    /// <summary>The words after --command NAME: the command's arguments, as text.</summary>
    public IReadOnlyList<string> CommandArguments { get; init; } = [];
    /// <summary>The plugins named by --addon, in the order given.</summary>
    public IReadOnlyList<AddonArgument> Addons { get; init; } = [];

    /// <summary>--watch: reload every plugin when its build changes (an --addon project: when its sources change).</summary>
    public bool Watch { get; init; }

    public const string Usage = """
        Usage: addons-host [options] [--Section:Key=value ...]

          --plugins FILE      the plugins.json to load (default: plugins.json beside the host)
          --addon PATH        load a plugin's .dll, or build its .csproj (dotnet build) and load that; required,
                              after the plugins of plugins.json, with the file name as its id (repeatable); PATH
                              may be the project's folder, or the folder `dotnet new addon -n NAME` made
          --watch             reload a plugin when its build changes, and an --addon .csproj when its sources do
                              (built first); a failed reload keeps the loaded build (plugins.json: "Watch": true)
          --set NAME=VALUE    set an addon option, such as --set view_filter=~q (repeatable)
          -p, --listen-port N the proxy's port (default 8080); --set listen_port=N
          --listen-host ADDR  the proxy's address (default 127.0.0.1); --set listen_host=ADDR
          -m, --mode MODE     regular, or reverse:URL to stand in front of one server; --set mode=MODE
          -k, --ssl-insecure  do not verify upstream certificates; --set ssl_insecure=true
          -n, --no-server     do not start the proxy; --set server=false
          -q, --quiet         print no flows and log only warnings and errors; --set flow_detail=0
          -v, --verbose       log more (debug messages)
          --json              print each flow as a JSON object with its id, one a line; --set dump_json=true
          -r, --rfile FILE    put a flow file's flows (mitmproxy's, HAR, a session) through the addons; with -n, then exit
          -w, --wfile FILE    write completed flows to a new file as they complete: mitmproxy's format, HAR for *.har,
                              a session for *.session
          -C, --client-replay FILE
                              replay the requests of a flow file once the host runs (repeatable); with -n, then exit
          FILTER              print only the flows this filter expression matches, such as "~m POST & ~c 500"
                              (several words are joined with spaces); also limits what -r reads and -w writes;
                              an empty FILTER ("") means no filter: every flow
          --options           list every addon option with its value and exit
          --commands          list every addon command with its signature and exit
          --command NAME ARGS run a command in the host running with this data folder (confdir; --set confdir=DIR
                              for another), print its result (JSON unless it is text) and exit; every word after
                              NAME is an argument, such as --command view.flows.resolve "~m POST"
          -h, --help          show this help and exit

        Flows are printed on standard output, and only flows; the log goes to standard error.
        Any configuration key can be overridden as --Addons:View:Enabled=false, or from the environment as
        Addons__View__Enabled=false. Ctrl+C or SIGTERM stops the host gracefully.
        """;

    public static HostCommandLine Parse(IReadOnlyList<string> args)
    {
        string? plugins = null;
        var sets = new List<KeyValuePair<string, string>>();
        var configuration = new List<string>();
        bool listOptions = false, listCommands = false, help = false;
        var verbosity = 0;
        var filter = new List<string>();
        string? command = null;
        var commandArguments = new List<string>();
        var addons = new List<AddonArgument>();
        var watch = false;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            switch (arg)
            {
                case "-h" or "--help" or "-?":
                    help = true;
                    continue;
                case "--options":
                    listOptions = true;
                    continue;
                case "--commands":
                    listCommands = true;
                    continue;
                case "--command":
                    command = ValueOf(args, ref i, arg, "a command name, such as --command view.flows.resolve @all");
                    commandArguments.AddRange(args.Skip(i + 1));
                    i = args.Count;
                    continue;
                case "--plugins":
                    plugins = ValueOf(args, ref i, arg, "a file name, such as --plugins ./plugins.json");
                    continue;
                case "--set":
                    sets.Add(ParseSet(ValueOf(args, ref i, arg, "NAME=VALUE, such as --set view_filter=~q")));
                    continue;
                case "--addon":
                    addons.Add(ParseAddon(ValueOf(args, ref i, arg, "a plugin's .dll or its .csproj, such as --addon ./MyAddon/MyAddon.csproj"), addons));
                    continue;
                case "--watch":
                    watch = true;
                    continue;
                case "-p" or "--listen-port":
                    sets.Add(KeyValuePair.Create("listen_port", ValueOf(args, ref i, arg, "a port number, such as -p 8080")));
                    continue;
                case "--listen-host":
                    sets.Add(KeyValuePair.Create("listen_host", ValueOf(args, ref i, arg, "an IP address, such as --listen-host 127.0.0.1")));
                    continue;
                case "-m" or "--mode":
                    sets.Add(KeyValuePair.Create("mode", ValueOf(args, ref i, arg, "regular or reverse:URL, such as --mode reverse:https://example.com")));
                    continue;
                case "-k" or "--ssl-insecure":
                    sets.Add(KeyValuePair.Create("ssl_insecure", "true"));
                    continue;
                case "-n" or "--no-server":
                    sets.Add(KeyValuePair.Create("server", "false"));
                    continue;
                case "-q" or "--quiet":
                    sets.Add(KeyValuePair.Create("flow_detail", "0"));
                    verbosity = -1;
                    continue;
                case "-v" or "--verbose":
                    verbosity = 1;
                    continue;
                case "--json":
                    sets.Add(KeyValuePair.Create("dump_json", "true"));
                    continue;
                case "-r" or "--rfile":
                    sets.Add(KeyValuePair.Create("rfile", ValueOf(args, ref i, arg, "a flow file, such as -r capture.har")));
                    continue;
                case "-w" or "--wfile":
                    sets.Add(KeyValuePair.Create("save_stream_file", ValueOf(args, ref i, arg, "a new file, such as -w out.har")));
                    continue;
                case "-C" or "--client-replay":
                    sets.Add(KeyValuePair.Create("client_replay", ValueOf(args, ref i, arg, "a flow file, such as -C capture.mitm")));
                    continue;
            }

            if (arg.StartsWith("--plugins=", StringComparison.Ordinal))
            {
                plugins = arg["--plugins=".Length..];
            }
            else if (arg.StartsWith("--set=", StringComparison.Ordinal))
            {
                sets.Add(ParseSet(arg["--set=".Length..]));
            }
            else if (arg.StartsWith("--addon=", StringComparison.Ordinal))
            {
                addons.Add(ParseAddon(arg["--addon=".Length..], addons));
            }
            else if (arg.StartsWith("--rfile=", StringComparison.Ordinal))
            {
                sets.Add(KeyValuePair.Create("rfile", arg["--rfile=".Length..]));
            }
            else if (arg.StartsWith("--wfile=", StringComparison.Ordinal))
            {
                sets.Add(KeyValuePair.Create("save_stream_file", arg["--wfile=".Length..]));
            }
            else if (arg.StartsWith("--client-replay=", StringComparison.Ordinal))
            {
                sets.Add(KeyValuePair.Create("client_replay", arg["--client-replay=".Length..]));
            }
            else if (arg.StartsWith("--listen-port=", StringComparison.Ordinal) || arg.StartsWith("--listen-host=", StringComparison.Ordinal) ||
                     arg.StartsWith("--mode=", StringComparison.Ordinal))
            {
                var equals = arg.IndexOf('=', StringComparison.Ordinal);
                sets.Add(KeyValuePair.Create(arg[2..equals].Replace('-', '_'), arg[(equals + 1)..]));
            }
            else if (arg.StartsWith("--", StringComparison.Ordinal) && arg.Length > 2)
            {
                configuration.Add(arg);
                if (!arg.Contains('=', StringComparison.Ordinal) && i + 1 < args.Count)
                {
                    configuration.Add(args[++i]);
                }
            }
            else if (arg.StartsWith('-'))
            {
                throw new AddonHostException($"Unknown option '{arg}'; run with --help to see the options.");
            }
            else
            {
                // mitmdump's positional filter: every remaining word, joined.
                filter.Add(arg);
            }
        }

        if (filter.Count > 0)
        {
            // As mitmdump: the filter limits what is printed, written and read. A blank one is no filter.
            var expression = string.Join(' ', filter).Trim();
            sets.Add(KeyValuePair.Create("dumper_filter", expression));
            sets.Add(KeyValuePair.Create("save_stream_filter", expression));
            sets.Add(KeyValuePair.Create("readfile_filter", expression));
        }

        return new HostCommandLine(plugins, sets, listOptions, listCommands, help, configuration)
        {
            Verbosity = verbosity,
            Command = command,
            CommandArguments = commandArguments,
            Addons = addons,
            Watch = watch,
        };
    }

    private static string ValueOf(IReadOnlyList<string> args, ref int i, string name, string expected) =>
        i + 1 < args.Count ? args[++i] : throw new AddonHostException($"{name} needs a value: {expected}.");

    private static AddonArgument ParseAddon(string path, List<AddonArgument> earlier)
    {
        if (AddonArgument.Problem(path) is { } problem)
        {
            throw new AddonHostException(problem);
        }

        var addon = new AddonArgument(path);
        if (earlier.Find(a => a.Id.Equals(addon.Id, StringComparison.OrdinalIgnoreCase)) is { } other)
        {
            throw new AddonHostException(
                $"--addon {other.Path} and --addon {path} would both be plugin '{other.Id}'; an --addon is named after its file, so load one of them.");
        }

        return addon;
    }

    private static KeyValuePair<string, string> ParseSet(string text)
    {
        var equals = text.IndexOf('=', StringComparison.Ordinal);
        return equals > 0
            ? new KeyValuePair<string, string>(text[..equals].Trim(), text[(equals + 1)..])
            : throw new AddonHostException($"--set {text}: expected NAME=VALUE, such as --set view_filter=~q.");
    }
}
