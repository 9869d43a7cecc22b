using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Addons.Host.Configuration;
using Addons.Host.Hosting;
using Addons.Host.Proxy;
using Microsoft.Extensions.Configuration;

namespace Addons.Host.Control;

/// <summary>
/// <c>addons-host --command NAME ARGS...</c>: runs one command in the host that runs with the same data folder
/// (<c>confdir</c>: <c>--set confdir=DIR</c>, else plugins.json's <c>Proxy:confdir</c>, else <c>~/.addons</c>) through
/// its control endpoint, and prints the result on standard output: text as it is, anything else as one line of JSON.
/// </summary>
internal static class CommandClient
{
    public static async Task<int> RunAsync(HostCommandLine commandLine, PluginsFile plugins, TextWriter output, TextWriter error)
    {
        var name = commandLine.Command!;
        var folder = ProxyAddon.ExpandHome(ConfigDirectory(commandLine, plugins));
        var path = ControlFile.PathIn(folder);
        ControlFile file;
        try
        {
            file = ControlFile.Read(path);
        }
        catch (AddonHostException e)
        {
            await error.WriteLineAsync($"error: {e.Message}").ConfigureAwait(false);
            return HostProgram.ExitStartupFailed;
        }

        // Straight to loopback: a proxy from the environment must not see the token.
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromMinutes(5) };
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(new Uri(file.Url), "api/commands/" + Uri.EscapeDataString(name)))
        {
            Content = new StringContent(JsonSerializer.Serialize(commandLine.CommandArguments), Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", file.Token);
        string body;
        bool succeeded;
        try
        {
            using var response = await client.SendAsync(request).ConfigureAwait(false);
            body = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
            succeeded = response.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            await error.WriteLineAsync($"error: The host at {file.Url} (named by {path}, process {file.ProcessId}) does not answer ({e.Message}); is it still running?").ConfigureAwait(false);
            return HostProgram.ExitStartupFailed;
        }

        try
        {
            using var json = JsonDocument.Parse(body);
            if (!succeeded || !json.RootElement.TryGetProperty("result", out var result))
            {
                var message = json.RootElement.TryGetProperty("error", out var reason) ? reason.GetString() : body;
                await error.WriteLineAsync($"error: {message}").ConfigureAwait(false);
                return HostProgram.ExitStartupFailed;
            }

            switch (result.ValueKind)
            {
                case JsonValueKind.Null:
                    break;
                case JsonValueKind.String:
                    await output.WriteLineAsync(result.GetString()).ConfigureAwait(false);
                    break;
                default:
                    await output.WriteLineAsync(result.GetRawText()).ConfigureAwait(false);
                    break;
            }
        }
        catch (JsonException)
        {
            await error.WriteLineAsync($"error: The host at {file.Url} answered what is not JSON: {body}").ConfigureAwait(false);
            return HostProgram.ExitStartupFailed;
        }

        return HostProgram.ExitOk;
    }

    private static string ConfigDirectory(HostCommandLine commandLine, PluginsFile plugins)
    {
        if (commandLine.Sets.LastOrDefault(s => s.Key == "confdir") is { Key: not null } set)
        {
            return set.Value;
        }

        var configuration = new ConfigurationBuilder()
            .AddJsonFile(plugins.FullPath, optional: true)
            .AddEnvironmentVariables()
            .AddCommandLine([.. commandLine.ConfigurationArguments])
            .Build();
        return configuration["Proxy:confdir"] is { Length: > 0 } configured ? configured : ProxyAddon.DefaultConfigDirectory;
    }
}
