using System.Text.RegularExpressions;
using Addons.Abstractions.Commands;
using Addons.Abstractions.Filters;
using Addons.Abstractions.Flows;
using Addons.Abstractions.Options;
using Addons.Abstractions.Storage;
using Microsoft.Extensions.Logging;

namespace Addons.View;

/// <summary>What the view.* and flow.* commands do: pages, selections, new and loaded flows, marks and settings.</summary>
public sealed partial class ViewAddon
{
    internal Abstractions.View.ViewPage Page(int offset, int limit)
    {
        if (offset < 0 || limit is < 0 or > MaxPage)
        {
            throw new CommandException($"view.flows.page takes an offset of 0 or more and a limit from 0 to {MaxPage}, not {offset} and {limit}.");
        }

        return Read(() => new Abstractions.View.ViewPage
        {
            Offset = offset,
            Total = _view.Count,
            StoreCount = _view.StoreCount,
            Rows = _view.Rows(offset, limit),
            Filter = _filterOption.Value,
            Order = _view.Order.Name,
            Reversed = _view.Reversed,
            MarkedOnly = _view.MarkedOnly,
            FocusIndex = _view.FocusIndex,
            FocusId = _view.FocusId,
        });
    }

    internal IReadOnlyList<Flow> Resolve(string spec)
    {
        List<Selected> selected;
        IFlowFilter? filter = null;
        lock (_gate)
        {
            switch (spec)
            {
                case "@all":
                    selected = _view.SelectByMark(null);
                    break;
                case "@focus":
                    return _view.FocusedFlow is { } focused ? [focused] : [];
                case "@shown":
                    selected = _view.SelectShown();
                    break;
                case "@hidden":
                    selected = _view.SelectHidden();
                    break;
                case "@marked":
                    selected = _view.SelectByMark(true);
                    break;
                case "@unmarked":
                    selected = _view.SelectByMark(false);
                    break;
                default:
                    if (IdList().IsMatch(spec))
                    {
                        return [.. spec[1..].Split(',', StringSplitOptions.RemoveEmptyEntries)
                            .Select(id => Guid.TryParse(id, out var guid) ? _view.Get(guid) : null)
                            .OfType<Flow>()];
                    }

                    if (!_filters.TryParse(spec, out filter, out var error))
                    {
                        throw new CommandException(error.Message);
                    }

                    selected = _view.SelectMatching(filter);
                    break;
            }
        }

        return LoadSelected(selected, filter);
    }

    /// <summary>
    /// The flows of a selection, outside the view's lock: cold ones the filter left open are matched by the archive,
    /// and cold ones picked are loaded from it. A flow the archive cannot give is an error naming it.
    /// </summary>
    internal static List<Flow> LoadSelected(List<Selected> selected, IFlowFilter? filter)
    {
        HashSet<Guid>? matched = null;
        if (filter is not null)
        {
            foreach (var group in selected.Where(s => s.Undecided && s.Archive is not null).GroupBy(s => s.Archive!))
            {
                (matched ??= []).UnionWith(Guard(() => group.Key.Match(filter, [.. group.Select(s => s.Id)])));
            }
        }

        var flows = new List<Flow>(selected.Count);
        foreach (var item in selected)
        {
            if (item.Flow is { } flow)
            {
                flows.Add(flow);
            }
            else if (!item.Undecided || matched?.Contains(item.Id) == true)
            {
                var archive = item.Archive!;
                flows.Add(Guard(() => archive.Load(item.Id)) ?? throw new CommandException($"Flow {item.Id} is no longer in {archive.Name}, where the view keeps it."));
            }
        }

        return flows;
    }

    private static T Guard<T>(Func<T> read)
    {
        try
        {
            return read();
        }
        catch (FlowArchiveException e)
        {
            throw new CommandException(e.Message, e);
        }
    }

    private void Create(string method, string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Host.Length == 0 || url.Contains('\\', StringComparison.Ordinal))
        {
            throw new CommandException($"Invalid URL: '{url}' is not an http:// or https:// URL.");
        }

        var now = DateTimeOffset.UtcNow;
        var flow = new HttpFlow
        {
            Request = new HttpRequest
            {
                Method = method.ToUpperInvariant(),
                Scheme = uri.Scheme,
                Host = uri.IdnHost,
                Port = uri.Port,
                Path = uri.PathAndQuery,
                Headers = new HttpHeaders(("Host", uri.Authority)),
                Content = [],
                TimestampStart = now,
            },
        };
        flow.Server.Address = new HostPort(uri.IdnHost, uri.Port);
        Add(flow);
    }

    /// <summary>
    /// mitmproxy's load_file: copies of the file's flows (new ids, so a file loaded twice gives each flow twice) join the
    /// view; no addon's hook runs. A file that cannot be read is logged, not raised; of a damaged one, the flows before
    /// the damage are kept.
    /// </summary>
    private void LoadFile(string path)
    {
        var loaded = new List<Flow>();
        try
        {
            void Skipped(string reason) => LogFileFlowSkipped(_logger, reason);
            foreach (var flow in _flowFiles.Read(path, Skipped))
            {
                loaded.Add(flow.Copy());
            }
        }
        catch (FormatException e)
        {
            LogFileUnreadable(_logger, e.Message);
        }

        if (loaded.Count > 0)
        {
            Add([.. loaded]);
        }
    }

    private void Duplicate(IReadOnlyList<Flow> flows)
    {
        var copies = flows.Select(f => f.Copy()).ToArray();
        Do(() =>
        {
            _view.Add(copies);
            if (copies.Length > 0 && _view.Contains(copies[0]))
            {
                _view.Focus(copies[0]);
            }
        });
    }

    /// <summary>A marker as mitmproxy's flow.mark takes it: <c>true</c> is <c>:default:</c>, <c>false</c> unmarks, anything else must be a valid marker.</summary>
    private static string ValidMarker(string marker) => marker switch
    {
        "true" => Marker.Default,
        "false" => "",
        _ when Markers.IsValid(marker) => marker,
        _ => throw new CommandException($"Command 'flow.mark': argument 'marker' takes :default:, a single letter or digit, or an emoji name such as :grapes:, not '{marker}'."),
    };

    private void Mark(IReadOnlyList<Flow> flows, string marker) => Mark(flows, _ => marker);

    private void Mark(IReadOnlyList<Flow> flows, Func<Flow, string> marker)
    {
        foreach (var flow in flows)
        {
            flow.Marked = marker(flow);
        }

        Do(() => _view.Update(flows));
    }

    private void SetSetting(IReadOnlyList<Flow> flows, string key, Func<string?, string> value) => Do(() =>
    {
        foreach (var flow in flows)
        {
            var settings = _view.Settings(flow);
            var next = value(settings.TryGetValue(key, out var old) ? old : null);
            settings[key] = next;
            _pending.Add(new Abstractions.View.FlowSettingChanged { Flow = flow, Key = key, Value = next });
        }

        _view.Update(flows);
    });

    private async ValueTask SetOptionAsync(string name, string value, CancellationToken cancellationToken)
    {
        try
        {
            await _options!.SetAsync(new Dictionary<string, string> { [name] = value }, cancellationToken).ConfigureAwait(false);
        }
        catch (OptionsException ex)
        {
            throw new CommandException(ex.Message, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{Reason}")]
    private static partial void LogFileUnreadable(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Reason}")]
    private static partial void LogFileFlowSkipped(ILogger logger, string reason);

    [GeneratedRegex("^@[0-9a-fA-F\\-,]{36,}$")]
    private static partial Regex IdList();
}
