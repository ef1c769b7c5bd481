namespace VaeCourse;

/// <summary>One claim of a notebook and how it came out with each seed offset (<see cref="SeedSpread"/>).</summary>
/// <param name="Notebook">The notebook's file name, such as <c>03-algorithm.ipynb</c>.</param>
/// <param name="Statement">What the claim says, as <see cref="Claim.Check(string, bool, string, bool)"/> was given it.</param>
/// <param name="Outcomes">One outcome per seed offset that reached the claim, in the order of the offsets.</param>
public sealed record SeedSpreadClaim(string Notebook, string Statement, IReadOnlyList<SeedSpreadOutcome> Outcomes)
{
    /// <summary>The number of runs in which the claim held.</summary>
    public int HeldCount => Outcomes.Count(o => o.Status == "held");

    /// <summary>True when the claim was checked in every run and held in each.</summary>
    public bool HeldInAll(int runs) => Outcomes.Count == runs && Outcomes.All(o => o.Status == "held");
}
