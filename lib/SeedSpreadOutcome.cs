namespace VaeCourse;

/// <summary>How one claim came out in the run of the course with one seed offset (<see cref="SeedSpread"/>).</summary>
/// <param name="Offset">The seed offset of the run (<see cref="Course.SeedOffset"/>).</param>
/// <param name="Status">"held", "failed", "not-checked" (a full-mode claim in quick mode) or "not-run" (its cell did not run).</param>
/// <param name="Evidence">The measured values that decided it, as the claim printed them; null when it did not run.</param>
public sealed record SeedSpreadOutcome(long Offset, string Status, string? Evidence);
