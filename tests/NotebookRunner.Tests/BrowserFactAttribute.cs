namespace NotebookRunner.Tests;

/// <summary>
/// A test that needs Chromium: skipped, with the reason and the command that installs one, when
/// <see cref="Chromium.Find"/> finds none, unless <c>CI=true</c>, where it runs and fails, so that CI cannot pass
/// without the browser tests.
/// </summary>
public sealed class BrowserFactAttribute : FactAttribute
{
    public BrowserFactAttribute()
    {
        var found = Chromium.Find(Environment.GetEnvironmentVariable, File.Exists, Directory.Exists);
        if (Chromium.SkipReason(found, Environment.GetEnvironmentVariable) is { } reason) Skip = reason;
    }
}

/// <summary>Where Playwright can find a Chromium: a named executable, Playwright's own download, or none.</summary>
/// <param name="ExecutablePath">The executable to launch; null with <paramref name="Found"/> true: Playwright's own browser.</param>
/// <param name="Found">False when there is no browser; <paramref name="Description"/> then lists the places tried.</param>
/// <param name="Description">Which browser was found, or where none was.</param>
public sealed record ChromiumLocation(string? ExecutablePath, bool Found, string Description);

/// <summary>Finds the Chromium that the browser tests drive.</summary>
public static class Chromium
{
    /// <summary>The command that installs a browser, for messages.</summary>
    public const string InstallHint =
        "install one with `apt-get install chromium` (Debian), or with Playwright's own `playwright install chromium` " +
        "(pwsh tests/NotebookRunner.Tests/bin/Release/net10.0/playwright.ps1 install chromium) on other systems, or set CHROMIUM_PATH";

    /// <summary>
    /// Looks, in order, at CHROMIUM_PATH (when set, it must exist), Debian's /usr/bin/chromium, and Playwright's own
    /// installed Chromium (a <c>chromium-*</c> folder holding Playwright's INSTALLATION_COMPLETE marker under
    /// PLAYWRIGHT_BROWSERS_PATH or the user's ms-playwright cache folder).
    /// </summary>
    public static ChromiumLocation Find(Func<string, string?> environment, Func<string, bool> fileExists, Func<string, bool> directoryExists)
    {
        if (environment("CHROMIUM_PATH") is { Length: > 0 } named)
            return fileExists(named)
                ? new(named, true, $"CHROMIUM_PATH={named}")
                : new(null, false, $"CHROMIUM_PATH is {named}, which does not exist");
        const string debian = "/usr/bin/chromium";
        if (fileExists(debian)) return new(debian, true, debian);
        var cache = PlaywrightBrowsersFolder(environment);
        if (cache is not null && directoryExists(cache))
        {
            foreach (var dir in Directory.EnumerateDirectories(cache, "chromium-*").Order(StringComparer.Ordinal))
                if (fileExists(Path.Combine(dir, "INSTALLATION_COMPLETE")))
                    return new(null, true, $"Playwright's Chromium in {dir}");
        }
        return new(null, false, $"no CHROMIUM_PATH, no {debian}, no Playwright Chromium in {cache ?? "(no home folder)"}");
    }

    /// <summary>
    /// Null when the test should run: a browser was found, or <c>CI=true</c> (a missing browser must then fail the
    /// test). Otherwise why it is skipped and how to enable it.
    /// </summary>
    public static string? SkipReason(ChromiumLocation found, Func<string, string?> environment)
    {
        if (found.Found || string.Equals(environment("CI"), "true", StringComparison.OrdinalIgnoreCase)) return null;
        return $"No Chromium for the browser tests ({found.Description}): {InstallHint}. Under CI=true this is a failure.";
    }

    private static string? PlaywrightBrowsersFolder(Func<string, string?> environment)
    {
        if (environment("PLAYWRIGHT_BROWSERS_PATH") is { Length: > 0 } set && set != "0") return set;
        if (OperatingSystem.IsWindows())
            return environment("LOCALAPPDATA") is { Length: > 0 } local ? Path.Combine(local, "ms-playwright") : null;
        var home = environment("HOME");
        if (string.IsNullOrEmpty(home)) return null;
        return OperatingSystem.IsMacOS()
            ? Path.Combine(home, "Library", "Caches", "ms-playwright")
            : Path.Combine(environment("XDG_CACHE_HOME") is { Length: > 0 } xdg ? xdg : Path.Combine(home, ".cache"), "ms-playwright");
    }
}
