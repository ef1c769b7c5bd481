namespace NotebookRunner.Tests;

/// <summary>How the browser tests find Chromium, and when they skip.</summary>
[Trait("Category", "Slow")]
public sealed class ChromiumTests
{
    private static Func<string, string?> Env(params (string Name, string Value)[] vars) =>
        name => vars.FirstOrDefault(v => v.Name == name).Value;

    private static bool NoDebianChromium(string path) => path != "/usr/bin/chromium" && File.Exists(path);

    [Fact]
    public void No_browser_anywhere_skips_with_the_reason_and_the_install_commands()
    {
        using var temp = new TempFolder();
        var env = Env(("PLAYWRIGHT_BROWSERS_PATH", temp.Path));
        var found = Chromium.Find(env, NoDebianChromium, Directory.Exists);
        Assert.False(found.Found);
        var reason = Chromium.SkipReason(found, env);
        Assert.NotNull(reason);
        Assert.Contains("apt-get install chromium", reason);
        Assert.Contains("playwright install chromium", reason);
        Assert.Contains(temp.Path, reason);
    }

    [Fact]
    public void Under_CI_a_missing_browser_is_not_skipped()
    {
        using var temp = new TempFolder();
        var env = Env(("PLAYWRIGHT_BROWSERS_PATH", temp.Path), ("CI", "true"));
        var found = Chromium.Find(env, NoDebianChromium, Directory.Exists);
        Assert.False(found.Found);
        Assert.Null(Chromium.SkipReason(found, env));
    }

    [Fact]
    public void Playwrights_own_installed_chromium_counts_and_is_launched_by_Playwright()
    {
        using var temp = new TempFolder();
        var env = Env(("PLAYWRIGHT_BROWSERS_PATH", temp.Path));
        var incomplete = temp.Sub("chromium-1100"); // a download that did not finish has no marker
        Assert.False(Chromium.Find(env, NoDebianChromium, Directory.Exists).Found);
        File.WriteAllText(Path.Combine(incomplete, "INSTALLATION_COMPLETE"), "");
        var found = Chromium.Find(env, NoDebianChromium, Directory.Exists);
        Assert.True(found.Found);
        Assert.Null(found.ExecutablePath);
        Assert.Null(Chromium.SkipReason(found, env));
    }

    [Fact]
    public void Debians_chromium_is_found_and_CHROMIUM_PATH_wins_when_it_exists()
    {
        using var temp = new TempFolder();
        var debian = Chromium.Find(Env(), path => path == "/usr/bin/chromium", _ => false);
        Assert.Equal(("/usr/bin/chromium", true), (debian.ExecutablePath, debian.Found));

        var named = Path.Combine(temp.Path, "chrome");
        var missing = Chromium.Find(Env(("CHROMIUM_PATH", named)), File.Exists, Directory.Exists);
        Assert.False(missing.Found); // a CHROMIUM_PATH that is wrong is not silently replaced by another browser
        Assert.Contains(named, Chromium.SkipReason(missing, Env()));
        File.WriteAllText(named, "");
        Assert.Equal(named, Chromium.Find(Env(("CHROMIUM_PATH", named)), File.Exists, Directory.Exists).ExecutablePath);
    }

    [Fact]
    public void The_attribute_skips_exactly_when_no_browser_is_found_outside_CI()
    {
        var expected = Chromium.SkipReason(Chromium.Find(Environment.GetEnvironmentVariable, File.Exists, Directory.Exists), Environment.GetEnvironmentVariable);
        Assert.Equal(expected, new BrowserFactAttribute().Skip);
    }
}
