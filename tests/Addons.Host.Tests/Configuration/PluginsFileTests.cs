using Addons.Host.Hosting;
using Addons.Host.Tests.Infrastructure;

namespace Addons.Host.Tests.Configuration;

public sealed class PluginsFileTests
{
    private string _folder = null!;

    [SetUp]
    public void CreateFolder() => _folder = Directory.CreateTempSubdirectory("addons-file-").FullName;

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    [Test]
    public async Task AMissingFileIsNamedAndTheHostExitsWithAUsageError()
    {
        var path = Path.Combine(_folder, "absent.json");

        var (code, output, error) = await RunAsync("--plugins", path);

        Assert.That(code, Is.EqualTo(HostProgram.ExitUsage));
        Assert.That(error.Trim(), Is.EqualTo($"error: {path} does not exist (named by --plugins)."));
        Assert.That(output, Is.Empty);
    }

    [Test]
    public async Task MalformedJsonIsReportedWithItsLine()
    {
        var path = Write("{\n  \"Addons\": {\n    \"View\": { \"Path\": \"x.dll\" \n  }\n");

        var (code, _, error) = await RunAsync("--plugins", path);

        Assert.That(code, Is.EqualTo(HostProgram.ExitUsage));
        Assert.That(error, Does.StartWith($"error: {path}, line 5, column 1: malformed JSON ("));
        Assert.That(error.Trim().Split('\n'), Has.Length.EqualTo(1), "one sentence, no stack trace");
    }

    [Test]
    public async Task AKeyGivenTwiceIsReportedWithItsLine()
    {
        var path = Write("{\n  \"Addons\": {\n    \"View\": { \"Path\": \"a.dll\" },\n    \"view\": { \"Path\": \"b.dll\" }\n  }\n}\n");

        var (code, _, error) = await RunAsync("--plugins", path);

        Assert.That(code, Is.EqualTo(HostProgram.ExitUsage));
        Assert.That(error.Trim(), Is.EqualTo($"error: {path}, line 4: the key \"view\" appears twice in the same object (keys are case-insensitive)."));
    }

    [Test]
    public async Task CommentsAndTrailingCommasAreAccepted()
    {
        var path = Write($$"""
            {
              // the addons
              "Addons": { "Recorder": { "Path": {{TestPaths.Json(TestPaths.TestPlugin("Recorder"))}}, }, },
            }
            """);

        var (code, output, error) = await RunAsync("--plugins", path, "--options");

        Assert.That(error, Is.Empty);
        Assert.That(code, Is.EqualTo(HostProgram.ExitOk));
        Assert.That(output, Does.Contain("recorder_count = 1    [recorder] A number, to test typed options."));
    }

    [Test]
    public async Task AByteOrderMarkIsAccepted()
    {
        var path = Path.Combine(_folder, "plugins.json");
        var json = $$"""{ "Addons": { "Recorder": { "Path": {{TestPaths.Json(TestPaths.TestPlugin("Recorder"))}} } } }""";
        await File.WriteAllTextAsync(path, json, new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: true));

        var (code, _, error) = await RunAsync("--plugins", path, "--commands");

        Assert.That(error, Is.Empty);
        Assert.That(code, Is.EqualTo(HostProgram.ExitOk));
    }

    [Test]
    public async Task AStartupErrorIsLoggedAsASentenceAndTheExitCodeSaysSo()
    {
        var path = Write($$"""{ "Addons": { "Recorder": { "Path": {{TestPaths.Json(TestPaths.TestPlugin("Recorder"))}}, "Order": "first" } } }""");

        var (code, _, _) = await RunAsync("--plugins", path);

        Assert.That(code, Is.EqualTo(HostProgram.ExitStartupFailed));
    }

    [Test]
    public async Task CommandsCanBeListed()
    {
        var path = Write($$"""{ "Addons": { "Recorder": { "Path": {{TestPaths.Json(TestPaths.TestPlugin("Recorder"))}} } } }""");

        var (code, output, _) = await RunAsync("--plugins", path, "--commands");

        Assert.That(code, Is.EqualTo(HostProgram.ExitOk));
        Assert.That(output, Does.Contain("recorder.add a:int b:int -> int    [recorder] Adds two whole numbers."));
    }

    private string Write(string json)
    {
        var path = Path.Combine(_folder, "plugins.json");
        File.WriteAllText(path, json);
        return path;
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await HostProgram.RunAsync(args, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
