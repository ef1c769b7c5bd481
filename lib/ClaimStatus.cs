namespace VaeCourse;

/// <summary>The outcome of a <see cref="Claim"/>.</summary>
public enum ClaimStatus
{
    /// <summary>Checked, and it holds.</summary>
    Held,
    /// <summary>Checked, and it does not hold.</summary>
    Failed,
    /// <summary>A claim that needs full-mode data, in quick mode: not checked.</summary>
    NotChecked,
}
