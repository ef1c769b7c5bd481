namespace VaeCourse;

/// <summary>
/// Thrown in strict mode by <see cref="Claim.Check(string, bool, string, bool)"/> when a claim does not hold, so that
/// the cell stating it fails. The message is two lines, <c>Claim does not hold: &lt;statement&gt;</c> and
/// <c>Evidence: &lt;evidence&gt;</c>, which the notebook runner reads back into its claims record.
/// </summary>
public sealed class ClaimFailedException : Exception
{
    /// <summary>The first words of the message, before the statement.</summary>
    public const string MessagePrefix = "Claim does not hold: ";

    /// <summary>The first words of the message's second line, before the evidence.</summary>
    public const string EvidencePrefix = "Evidence: ";

    /// <summary>Creates the exception for a failed <paramref name="claim"/>.</summary>
    public ClaimFailedException(Claim claim)
        : base($"{MessagePrefix}{claim.Statement}\n{EvidencePrefix}{claim.Evidence}") => Claim = claim;

    /// <summary>The claim that failed.</summary>
    public Claim Claim { get; }
}
