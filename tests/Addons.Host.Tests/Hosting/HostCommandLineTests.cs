using Addons.Host.Hosting;

namespace Addons.Host.Tests.Hosting;

public sealed class HostCommandLineTests
{
    [Test]
    public void SetsPluginsAndConfigurationKeysAreSeparated()
    {
        var line = HostCommandLine.Parse(["--set", "view_filter=~q", "--set=a=b=c", "--plugins", "p.json", "--Addons:View:Enabled=false", "--Logging:LogLevel:Default", "Debug", "--options"]);

        Assert.Multiple(() =>
        {
            Assert.That(line.Sets, Is.EqualTo(new[] { KeyValuePair.Create("view_filter", "~q"), KeyValuePair.Create("a", "b=c") }));
            Assert.That(line.PluginsPath, Is.EqualTo("p.json"));
            Assert.That(line.ConfigurationArguments, Is.EqualTo(new[] { "--Addons:View:Enabled=false", "--Logging:LogLevel:Default", "Debug" }));
            Assert.That(line.ListOptions, Is.True);
            Assert.That(line.ListCommands, Is.False);
        });
    }

    [Test]
    public void MitmdumpsFlagsAreOptions()
    {
        var line = HostCommandLine.Parse(["-p", "9090", "--listen-host", "0.0.0.0", "--mode", "reverse:https://example.com", "-k", "--listen-port=9091"]);

        Assert.That(line.Sets, Is.EqualTo(new[]
        {
            KeyValuePair.Create("listen_port", "9090"),
            KeyValuePair.Create("listen_host", "0.0.0.0"),
            KeyValuePair.Create("mode", "reverse:https://example.com"),
            KeyValuePair.Create("ssl_insecure", "true"),
            KeyValuePair.Create("listen_port", "9091"),
        }));
    }

    [Test]
    public void NoServerQuietVerboseJsonAndThePositionalFilterAreMitmdumps()
    {
        var quiet = HostCommandLine.Parse(["-n", "-q", "--json", "~m", "POST", "&", "~c 500"]);
        var verbose = HostCommandLine.Parse(["--no-server", "-v", "--rfile=in.mitm", "-w", "out.har", "--wfile=x.mitm", "-r", "b.har"]);

        Assert.Multiple(() =>
        {
            Assert.That(quiet.Sets, Is.EqualTo(new[]
            {
                KeyValuePair.Create("server", "false"),
                KeyValuePair.Create("flow_detail", "0"),
                KeyValuePair.Create("dump_json", "true"),
                KeyValuePair.Create("dumper_filter", "~m POST & ~c 500"),
                KeyValuePair.Create("save_stream_filter", "~m POST & ~c 500"),
                KeyValuePair.Create("readfile_filter", "~m POST & ~c 500"),
            }));
            Assert.That(quiet.Verbosity, Is.EqualTo(-1));
            Assert.That(verbose.Sets, Is.EqualTo(new[]
            {
                KeyValuePair.Create("server", "false"),
                KeyValuePair.Create("rfile", "in.mitm"),
                KeyValuePair.Create("save_stream_file", "out.har"),
                KeyValuePair.Create("save_stream_file", "x.mitm"),
                KeyValuePair.Create("rfile", "b.har"),
            }));
            Assert.That(verbose.Verbosity, Is.EqualTo(1));
        });
    }

    [Test]
    public void Every_word_after_command_NAME_is_the_commands()
    {
        var line = HostCommandLine.Parse(["--set", "confdir=/tmp/x", "--command", "view.flows.resolve", "~m POST", "-q", "--set"]);

        Assert.Multiple(() =>
        {
            Assert.That(line.Command, Is.EqualTo("view.flows.resolve"));
            Assert.That(line.CommandArguments, Is.EqualTo(new[] { "~m POST", "-q", "--set" }));
            Assert.That(line.Sets, Is.EqualTo(new[] { KeyValuePair.Create("confdir", "/tmp/x") }));
        });
    }

    [Test]
    public void AddonIsRepeatableAndEachIsAPluginNamedAfterItsFile()
    {
        var line = HostCommandLine.Parse(["--addon", "one/First.dll", "--addon=two/Second.csproj", "-n"]);

        Assert.Multiple(() =>
        {
            Assert.That(line.Addons.Select(a => a.Path), Is.EqualTo(new[] { "one/First.dll", "two/Second.csproj" }));
            Assert.That(line.Addons.Select(a => a.Id), Is.EqualTo(new[] { "First", "Second" }));
            Assert.That(line.Addons.Select(a => a.FullPath), Is.EqualTo(new[] { Path.GetFullPath("one/First.dll"), Path.GetFullPath("two/Second.csproj") }));
            Assert.That(line.Addons.Select(a => a.IsProject), Is.EqualTo(new[] { false, true }));
            Assert.That(line.Sets, Is.EqualTo(new[] { KeyValuePair.Create("server", "false") }));
        });
    }

    [TestCase("")]
    [TestCase(" ")]
    [TestCase("  ", "")]
    public void ABlankFilterExpressionIsNoFilter(params string[] words)
    {
        var line = HostCommandLine.Parse(["-n", .. words]);

        Assert.That(line.Sets.Where(s => s.Key.EndsWith("_filter", StringComparison.Ordinal)), Is.EqualTo(new[]
        {
            KeyValuePair.Create("dumper_filter", ""),
            KeyValuePair.Create("save_stream_filter", ""),
            KeyValuePair.Create("readfile_filter", ""),
        }));
    }

    [Test]
    public async Task HelpSaysAnEmptyFilterIsNoFilterAndWhereFlowsAndLogsGo()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        await HostProgram.RunAsync(["--help"], output, error);

        Assert.That(output.ToString(), Does.Contain("an empty FILTER (\"\") means no filter").And.Contain("the log goes to standard error"));
        Assert.That(output.ToString(), Does.Contain("--addon PATH        load a plugin's .dll, or build its .csproj (dotnet build) and load that;"));
    }

    [TestCase(new[] { "-p" }, "-p needs a value: a port number, such as -p 8080.")]
    [TestCase(new[] { "--set" }, "--set needs a value: NAME=VALUE, such as --set view_filter=~q.")]
    [TestCase(new[] { "--set", "novalue" }, "--set novalue: expected NAME=VALUE, such as --set view_filter=~q.")]
    [TestCase(new[] { "--plugins" }, "--plugins needs a value: a file name, such as --plugins ./plugins.json.")]
    [TestCase(new[] { "--command" }, "--command needs a value: a command name, such as --command view.flows.resolve @all.")]
    [TestCase(new[] { "-x" }, "Unknown option '-x'; run with --help to see the options.")]
    [TestCase(new[] { "--addon" }, "--addon needs a value: a plugin's .dll or its .csproj, such as --addon ./MyAddon/MyAddon.csproj.")]
    [TestCase(new[] { "--addon", "addon.py" }, "--addon addon.py: expected a plugin's .dll, its .csproj, or the folder holding its .csproj.")]
    [TestCase(new[] { "--addon=" }, "--addon : expected a plugin's .dll, its .csproj, or the folder holding its .csproj.")]
    [TestCase(new[] { "--addon", "a/Mine.dll", "--addon", "b/mine.csproj" },
        "--addon a/Mine.dll and --addon b/mine.csproj would both be plugin 'Mine'; an --addon is named after its file, so load one of them.")]
    public void MistakesGetOneClearSentence(string[] args, string expected) =>
        Assert.That(() => HostCommandLine.Parse(args), Throws.TypeOf<AddonHostException>().With.Message.EqualTo(expected));

    [Test]
    public void AddonFolderMeansTheProjectInItOrTheOneATemplateMade()
    {
        var root = Directory.CreateTempSubdirectory("addons-addon-folder-").FullName;
        try
        {
            var single = Directory.CreateDirectory(Path.Combine(root, "single")).FullName;
            File.WriteAllText(Path.Combine(single, "Mine.csproj"), "<Project />");
            var template = Directory.CreateDirectory(Path.Combine(root, "Probe", "Probe")).FullName;
            File.WriteAllText(Path.Combine(template, "Probe.csproj"), "<Project />");
            Directory.CreateDirectory(Path.Combine(root, "Probe", "Probe.Tests"));

            var line = HostCommandLine.Parse(["--addon", single, "--addon", Path.Combine(root, "Probe")]);

            Assert.That(line.Addons.Select(a => (a.Id, a.FullPath, a.IsProject)), Is.EqualTo(new[]
            {
                ("Mine", Path.Combine(single, "Mine.csproj"), true),
                ("Probe", Path.Combine(template, "Probe.csproj"), true),
            }));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Test]
    public void AddonFolderWithoutOneProjectIsOneClearSentence()
    {
        var root = Directory.CreateTempSubdirectory("addons-addon-folder-").FullName;
        try
        {
            var two = Directory.CreateDirectory(Path.Combine(root, "two")).FullName;
            File.WriteAllText(Path.Combine(two, "A.csproj"), "<Project />");
            File.WriteAllText(Path.Combine(two, "B.csproj"), "<Project />");
            var none = Directory.CreateDirectory(Path.Combine(root, "none")).FullName;

            Assert.That(() => HostCommandLine.Parse(["--addon", two]), Throws.TypeOf<AddonHostException>().With.Message.EqualTo(
                $"--addon {two}: the folder holds 2 projects (A.csproj, B.csproj); name the one to load."));
            Assert.That(() => HostCommandLine.Parse(["--addon", none]), Throws.TypeOf<AddonHostException>().With.Message.EqualTo(
                $"--addon {none}: the folder holds no .csproj, nor {Path.Combine(none, "none", "none.csproj")}."));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Test]
    public async Task HelpIsPrintedAndTheHostExits()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var code = await HostProgram.RunAsync(["--help"], output, error);

        Assert.That(code, Is.Zero);
        Assert.That(output.ToString(), Does.StartWith("Usage: addons-host").And.Contain("--set NAME=VALUE"));
    }

    [Test]
    public void WatchTurnsOnHotReloadForEveryPluginAndIsInTheUsage()
    {
        var watching = HostCommandLine.Parse(["--watch", "--addon", "Mine.csproj"]);
        var not = HostCommandLine.Parse(["--addon", "Mine.csproj"]);

        Assert.That((watching.Watch, not.Watch), Is.EqualTo((true, false)));
        Assert.That(watching.ConfigurationArguments, Is.Empty, "--watch is the host's, not a configuration key");
        Assert.That(HostCommandLine.Usage, Does.Contain("--watch             reload a plugin when its build changes"));
    }
}
