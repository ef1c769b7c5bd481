namespace VaeCourse.Data;

/// <summary>
/// No copy of a dataset could be found or downloaded. The message lists every place tried, in order,
/// with why it failed, and how to fix it.
/// </summary>
public sealed class DatasetNotFoundException : IOException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="datasetName">The dataset asked for.</param>
    /// <param name="placesTried">One line per place tried: the place and why it failed.</param>
    /// <param name="howToFix">One line per remedy.</param>
    /// <param name="innerException">The last download failure, if any.</param>
    public DatasetNotFoundException(string datasetName, IReadOnlyList<string> placesTried, IReadOnlyList<string> howToFix,
                                    Exception? innerException = null)
        : base(BuildMessage(datasetName, placesTried, howToFix), innerException)
    {
        DatasetName = datasetName;
        PlacesTried = placesTried;
        HowToFix = howToFix;
    }

    /// <summary>The dataset asked for.</summary>
    public string DatasetName { get; }

    /// <summary>Each place tried, in order, with why it failed.</summary>
    public IReadOnlyList<string> PlacesTried { get; }

    /// <summary>The suggested remedies.</summary>
    public IReadOnlyList<string> HowToFix { get; }

    private static string BuildMessage(string name, IReadOnlyList<string> places, IReadOnlyList<string> fixes)
    {
        var nl = Environment.NewLine;
        return $"Dataset '{name}' was not found. Places tried, in order:{nl}"
               + string.Join(nl, places.Select((p, i) => $"  {i + 1}. {p}"))
               + $"{nl}To fix it, do one of:{nl}"
               + string.Join(nl, fixes.Select(f => $"  - {f}"));
    }
}
