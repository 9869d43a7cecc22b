using System.Globalization;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;

namespace Addons.Web.Bench;

/// <summary>The two pages under test: how to find their rows, set their filter and tell that it has applied.</summary>
internal sealed record PageKind(string Name, string RowSelector, string LiveCheck, string ApplyFilter, string FilteredCheck, string UnfilteredCheck)
{
    /// <summary>The Web plugin's page (data-testid hooks).</summary>
    public static readonly PageKind Ours = new(
        "addons web",
        "[data-testid=flow-row][data-id]:not([data-id=''])",
        "() => document.querySelector('[data-testid=ws-state]')?.dataset.state === 'open'",
        """
        f => {
          const input = document.querySelector('[data-testid=filter-input]');
          input.focus();
          input.value = f;
          input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
        }
        """,
        // The count says "n of m flows" with n < m, and every row on screen is a POST to /api.
        """
        () => {
          const m = /^([\d,]+) of ([\d,]+)/.exec(document.querySelector('[data-testid=flow-count]').textContent);
          if (!m || m[1] === m[2]) return false;
          const rows = [...document.querySelectorAll('[data-testid=flow-row]')].filter(r => r.dataset.id);
          return rows.length > 0 && rows.every(r => r.querySelector('.c-method').textContent === 'POST' && r.title.includes('/api'));
        }
        """,
        """
        () => {
          const m = /^([\d,]+) of ([\d,]+)/.exec(document.querySelector('[data-testid=flow-count]').textContent);
          if (!m || m[1] !== m[2]) return false;
          const rows = [...document.querySelectorAll('[data-testid=flow-row]')].filter(r => r.dataset.id);
          return rows.length > 0 && !rows.every(r => r.querySelector('.c-method').textContent === 'POST');
        }
        """);

    /// <summary>mitmweb 8.1.1's React page: a table of tr.has-request rows, the Search box filters in the browser.</summary>
    public static readonly PageKind Mitmweb = new(
        "mitmweb 8.1.1",
        ".flow-table tbody tr.has-request td.col-method",
        "() => !!document.querySelector('.connection-indicator.established')",
        """
        f => {
          const input = document.querySelector('input[placeholder=Search]');
          input.focus();
          // React watches the native value setter; a plain assignment would not reach its onChange.
          Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set.call(input, f);
          input.dispatchEvent(new Event('input', { bubbles: true }));
        }
        """,
        """
        () => {
          const rows = [...document.querySelectorAll('.flow-table tbody tr.has-request')];
          return rows.length > 0 && rows.every(r => r.querySelector('td.col-method').textContent === 'POST' && r.querySelector('td.col-path').textContent.includes('/api'));
        }
        """,
        """
        () => {
          const rows = [...document.querySelectorAll('.flow-table tbody tr.has-request')];
          return rows.length > 0 && !rows.every(r => r.querySelector('td.col-method').textContent === 'POST');
        }
        """);
}

/// <summary>
/// Debian's headless Chromium through chromedriver, with a script that runs in every document before the page's own:
/// it counts the WebSocket's messages (sent and received, by type and bytes), records when the first flow row exists
/// and is painted, and watches frames and long tasks. Every time is the page's performance.now(), which starts at
/// the navigation.
/// </summary>
internal sealed class Browser : IDisposable
{
    private const string Chromium = "/usr/bin/chromium";
    private const string ChromeDriverPath = "/usr/bin/chromedriver";

    private const string Instrument = """
        (() => {
          if (window.__bench) return;
          const B = window.__bench = { sent: [], recv: 0, recvBytes: 0, types: {} };
          const Native = window.WebSocket;
          window.WebSocket = class extends Native {
            constructor(...a) {
              super(...a);
              this.addEventListener('message', e => {
                const d = e.data, n = typeof d === 'string' ? d.length : (d.byteLength ?? d.size ?? 0);
                B.recv++; B.recvBytes += n;
                const m = typeof d === 'string' ? /"type":\s*"(\w+)"/.exec(d.slice(0, 40)) : null;
                const k = m ? m[1] : 'other';
                B.types[k] = (B.types[k] || 0) + 1;
              });
            }
            send(d) { B.sent.push(String(d).slice(0, 160)); return super.send(d); }
          };
          // Resolves with {dom, frame}: when pred first held (checked on every DOM change and every 10 ms) and the
          // animation frame after it, that is, when it was painted; null after the timeout.
          B.until = (pred, timeout = 120000) => new Promise(resolve => {
            const t0 = performance.now();
            let mo = null, iv = 0, over = false;
            const check = () => {
              if (over) return true;
              let ok = false;
              try { ok = !!pred(); } catch { }
              if (ok || performance.now() - t0 > timeout) {
                over = true;
                if (mo) mo.disconnect();
                clearInterval(iv);
                const dom = performance.now();
                if (ok) requestAnimationFrame(() => resolve({ dom, frame: performance.now() }));
                else resolve(null);
                return true;
              }
              return false;
            };
            if (check()) return;
            mo = new MutationObserver(() => { check(); });
            mo.observe(document, { childList: true, subtree: true, attributes: true, characterData: true });
            iv = setInterval(check, 10);
          });
          B.shown = B.until(() => document.querySelector(ROW_SELECTOR), 600000);
          B.frames = { on: false, last: 0, maxGap: 0, over50: 0, over100: 0, count: 0 };
          const tick = now => {
            const F = B.frames;
            if (F.on) {
              if (F.last) {
                const g = now - F.last;
                F.count++;
                if (g > F.maxGap) F.maxGap = g;
                if (g > 50) F.over50++;
                if (g > 100) F.over100++;
              }
              F.last = now;
            }
            requestAnimationFrame(tick);
          };
          requestAnimationFrame(tick);
          B.long = { count: 0, total: 0, max: 0 };
          try {
            new PerformanceObserver(l => {
              for (const e of l.getEntries()) { B.long.count++; B.long.total += e.duration; B.long.max = Math.max(B.long.max, e.duration); }
            }).observe({ type: 'longtask' });
          } catch { }
        })();
        """;

    private readonly ChromeDriver _driver;

    public Browser(string profileFolder)
    {
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(ChromeDriverPath)!, Path.GetFileName(ChromeDriverPath));
        service.HideCommandPromptWindow = true;
        service.SuppressInitialDiagnosticInformation = true;
        var options = new ChromeOptions { BinaryLocation = Chromium };
        // Chromium's own background traffic goes to a proxy port nobody listens on; the pages are on loopback, which
        // Chromium never proxies.
        options.AddArguments(
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,900",
            "--no-first-run", "--no-default-browser-check", "--disable-default-apps", "--disable-extensions",
            "--disable-background-networking", "--disable-sync", "--disable-component-update", "--disable-domain-reliability",
            "--metrics-recording-only", "--enable-precise-memory-info", "--proxy-server=http://127.0.0.1:9",
            $"--user-data-dir={profileFolder}");
        _driver = new ChromeDriver(service, options, TimeSpan.FromMinutes(10));
        _driver.Manage().Timeouts().PageLoad = TimeSpan.FromMinutes(5);
        _driver.Manage().Timeouts().AsynchronousJavaScript = TimeSpan.FromMinutes(5);
        var rows = $"'{PageKind.Ours.RowSelector.Replace("'", "\"", StringComparison.Ordinal)}, {PageKind.Mitmweb.RowSelector}'";
        _driver.ExecuteCdpCommand("Page.addScriptToEvaluateOnNewDocument",
            new Dictionary<string, object?> { ["source"] = Instrument.Replace("ROW_SELECTOR", rows, StringComparison.Ordinal) });
    }

    public string Version => _driver.Capabilities.GetCapability("browserVersion")?.ToString() ?? "?";

    /// <summary>Opens <paramref name="url"/> on a blank page first, and answers ms from navigation to the first painted row.</summary>
    public double Show(string url, PageKind page)
    {
        _driver.Navigate().GoToUrl("about:blank");
        _driver.Navigate().GoToUrl(url);
        var shown = Async("__bench.shown.then(r => done(r ? r.frame : -1));");
        var ms = Num(shown);
        if (ms < 0)
        {
            throw new InvalidOperationException($"{page.Name}: no flow row appeared at {url}");
        }

        Until(page.LiveCheck, "the page's live connection opens");
        return ms;
    }

    /// <summary>Sets the filter as a user would (the text, then Enter where the page takes Enter) and answers ms until <paramref name="check"/> holds on screen.</summary>
    public double Filter(PageKind page, string filter, string check)
    {
        var r = Async($$"""
            const B = window.__bench, ok = {{check}}, t0 = performance.now();
            ({{page.ApplyFilter}})({{Js(filter)}});
            B.until(ok, 240000).then(r => done(r ? r.frame - t0 : -1));
            """);
        var ms = Num(r);
        if (ms < 0)
        {
            throw new InvalidOperationException($"{page.Name}: filter '{filter}' did not show within 240 s");
        }

        return ms;
    }

    /// <summary>
    /// Scrolls the Web plugin's list to its end in one move (as dragging the scroll bar's thumb to the bottom does) and
    /// waits for the last row; then a second, so that late messages are counted too. Answers the time, and the window
    /// messages the page sent, the page messages it received and the HTTP requests for /api/flows it made meanwhile.
    /// </summary>
    public Dictionary<string, double> ScrollToEnd(bool toEnd)
    {
        var r = (IReadOnlyDictionary<string, object>)Exec(ExecuteAsync, $$"""
            const B = window.__bench;
            const sc = document.querySelector('[data-testid=flow-table]');
            const total = +/^([\d,]+) of/.exec(document.querySelector('[data-testid=flow-count]').textContent)[1].replace(/,/g, '');
            const target = {{(toEnd ? "total - 1" : "0")}};
            const windows = () => B.sent.filter(s => s.includes('"window"')).length;
            const http = () => performance.getEntriesByType('resource').filter(e => e.name.includes('/api/flows')).length;
            const w0 = windows(), p0 = B.types.page || 0, h0 = http(), t0 = performance.now();
            sc.scrollTop = {{(toEnd ? "sc.scrollHeight" : "0")}};
            B.until(() => document.querySelector(`[data-testid=flow-row][data-index="${target}"]`)?.dataset.id, 60000).then(r => {
              const ms = r ? r.frame - t0 : -1;
              setTimeout(() => done({ ms, windows: windows() - w0, pages: (B.types.page || 0) - p0, http: http() - h0, total }), 1000);
            });
            """)!;
        return r.ToDictionary(kv => kv.Key, kv => Num(kv.Value));
    }

    /// <summary>ms from the start to the end of the page's latest request whose URL contains <paramref name="part"/> (resource timing).</summary>
    public double LastRequestMs(string part) => Num(Exec(Execute, $$"""
        const e = performance.getEntriesByType('resource').filter(e => e.name.includes({{Js(part)}})).pop();
        return e ? e.responseEnd - e.startTime : -1;
        """));

    /// <summary>Scrolls the Web plugin's list to its end and returns at once (the list then follows new flows).</summary>
    public void ScrollToBottom() => Exec(Execute, "const sc = document.querySelector('[data-testid=flow-table]'); sc.scrollTop = sc.scrollHeight;");

    /// <summary>The WebSocket counters so far, and the page's clock.</summary>
    public Dictionary<string, double> Counters()
    {
        var r = (IReadOnlyDictionary<string, object>)Exec(Execute, """
            const B = window.__bench;
            return { now: performance.now(), recv: B.recv, bytes: B.recvBytes, pages: B.types.page || 0, stats: B.types.stats || 0,
                     sent: B.sent.length, windows: B.sent.filter(s => s.includes('"window"')).length };
            """)!;
        return r.ToDictionary(kv => kv.Key, kv => Num(kv.Value));
    }

    /// <summary>
    /// What the list shows at the moment: rows on screen, of them blank placeholders (rows whose data has not come), the
    /// total, and how many flows lie past the last row shown (0 when the list shows the very end).
    /// </summary>
    public Dictionary<string, double> Tail()
    {
        var r = (IReadOnlyDictionary<string, object>)Exec(Execute, """
            const rows = [...document.querySelectorAll('[data-testid=flow-row]')];
            const filled = rows.filter(r => r.dataset.id).map(r => +r.dataset.index);
            const total = +/^([\d,]+) of/.exec(document.querySelector('[data-testid=flow-count]').textContent)[1].replace(/,/g, '');
            return { rows: rows.length, blank: rows.length - filled.length, total, behind: filled.length ? total - 1 - Math.max(...filled) : total };
            """)!;
        return r.ToDictionary(kv => kv.Key, kv => Num(kv.Value));
    }

    /// <summary>Starts counting frame gaps and long tasks afresh.</summary>
    public void ResetResponsiveness() => Exec(Execute, """
        const B = window.__bench;
        B.frames.on = true; B.frames.last = 0; B.frames.maxGap = 0; B.frames.over50 = 0; B.frames.over100 = 0; B.frames.count = 0;
        B.long.count = 0; B.long.total = 0; B.long.max = 0;
        """);

    public Dictionary<string, double> Responsiveness()
    {
        var r = (IReadOnlyDictionary<string, object>)Exec(Execute, """
            const B = window.__bench;
            return { frames: B.frames.count, maxGap: B.frames.maxGap, over50: B.frames.over50, over100: B.frames.over100,
                     longTasks: B.long.count, longTaskMs: B.long.total, longestTask: B.long.max };
            """)!;
        return r.ToDictionary(kv => kv.Key, kv => Num(kv.Value));
    }

    /// <summary>The page's JavaScript heap in MiB (Chromium's performance.memory, with --enable-precise-memory-info).</summary>
    public double JsHeapMiB() => Num(Exec(Execute, "return performance.memory.usedJSHeapSize / 1048576;"));

    /// <summary>Bytes the page's documents, scripts and fetches transferred, and the largest response (MiB).</summary>
    public Dictionary<string, double> Transferred()
    {
        var r = (IReadOnlyDictionary<string, object>)Exec(Execute, """
            const all = [performance.getEntriesByType('navigation')[0], ...performance.getEntriesByType('resource')].filter(Boolean);
            const size = e => e.encodedBodySize || e.transferSize || 0;
            return { totalMiB: all.reduce((s, e) => s + size(e), 0) / 1048576, largestMiB: Math.max(0, ...all.map(size)) / 1048576 };
            """)!;
        return r.ToDictionary(kv => kv.Key, kv => Num(kv.Value));
    }

    public void Until(string predicate, string what, int timeoutMs = 60000)
    {
        if (Num(Async($"__bench.until({predicate}, {timeoutMs}).then(r => done(r ? 1 : 0));")) != 1)
        {
            throw new InvalidOperationException($"timed out waiting until {what}");
        }
    }

    public void Dispose()
    {
        _driver.Quit();
        _driver.Dispose();
    }

    private const bool ExecuteAsync = true;
    private const bool Execute = false;

    private object? Async(string body) => Exec(ExecuteAsync, body);

    private object? Exec(bool async, string body) => async
        ? _driver.ExecuteAsyncScript("const done = arguments[arguments.length - 1];\n" + body)
        : _driver.ExecuteScript(body);

    private static string Js(string text) => System.Text.Json.JsonSerializer.Serialize(text);

    private static double Num(object? value) => value switch
    {
        null => double.NaN,
        bool b => b ? 1 : 0,
        _ => Convert.ToDouble(value, CultureInfo.InvariantCulture),
    };
}
