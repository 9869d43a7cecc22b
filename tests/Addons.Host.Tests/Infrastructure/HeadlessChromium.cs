using OpenQA.Selenium.Chrome;

namespace Addons.Host.Tests.Infrastructure;

/// <summary>
/// Debian's headless Chromium driven through Debian's chromedriver, quiet: no first-run pages, extensions, sync or
/// background traffic of its own, a profile in the test's folder.
/// </summary>
internal static class HeadlessChromium
{
    private const string Browser = "/usr/bin/chromium";
    private const string Driver = "/usr/bin/chromedriver";

    /// <summary>Ignores the test (with the packages to install) when Chromium or chromedriver is missing.</summary>
    public static void IgnoreUnlessInstalled()
    {
        if (!File.Exists(Browser) || !File.Exists(Driver))
        {
            Assert.Ignore($"Needs Debian's chromium and chromium-driver ({Browser}, {Driver}); .ci/run installs them.");
        }
    }

    /// <summary>Starts a browser with its profile in <paramref name="folder"/> and the test's own <paramref name="arguments"/> (the proxy to use, a window size).</summary>
    public static ChromeDriver Start(string folder, TimeSpan patience, params string[] arguments)
    {
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(Driver)!, Path.GetFileName(Driver));
        service.HideCommandPromptWindow = true;
        service.SuppressInitialDiagnosticInformation = true;
        var options = new ChromeOptions { BinaryLocation = Browser };
        options.AddArguments(
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--no-first-run", "--no-default-browser-check", "--disable-default-apps", "--disable-extensions",
            "--disable-background-networking", "--disable-sync", "--disable-component-update", "--disable-domain-reliability",
            "--metrics-recording-only", $"--user-data-dir={Path.Combine(folder, "chromium")}");
        options.AddArguments(arguments);
        var browser = new ChromeDriver(service, options, patience);
        browser.Manage().Timeouts().PageLoad = patience;
        return browser;
    }
}
