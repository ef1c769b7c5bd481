namespace VaeCourse.Tests;

/// <summary>
/// How the tests check that a public entry point rejects a bad setting before any work: an <see cref="ArgumentException"/>
/// (or a subclass) whose ParamName is the setting and whose message names it and the allowed range.
/// </summary>
internal static class Rejection
{
    /// <summary>Runs <paramref name="act"/>, expects an ArgumentException for <paramref name="param"/> whose message mentions each of <paramref name="mentions"/>.</summary>
    public static ArgumentException Rejects(Action act, string param, params string[] mentions)
    {
        var e = Assert.ThrowsAny<ArgumentException>(act);
        Assert.Equal(param, e.ParamName);
        foreach (string m in mentions)
            Assert.Contains(m, e.Message);
        return e;
    }

    public const string AtLeast1 = "must be at least 1";
}
