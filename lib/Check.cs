namespace VaeCourse;

/// <summary>Argument checks shared by the library's entry points: each names the setting and the allowed range.</summary>
internal static class Check
{
    public static void Positive(int value, string name)
    {
        if (value < 1) throw new ArgumentOutOfRangeException(name, value, $"{name} must be at least 1.");
    }

    public static void AllPositive(int[] values, string name)
    {
        ArgumentNullException.ThrowIfNull(values, name);
        for (int i = 0; i < values.Length; i++)
            if (values[i] < 1) throw new ArgumentOutOfRangeException(name, values[i], $"{name}[{i}] must be at least 1 (layer sizes are positive).");
    }

    public static void PositiveFinite(double value, string name)
    {
        if (!(value > 0) || double.IsInfinity(value)) throw new ArgumentOutOfRangeException(name, value, $"{name} must be a positive finite number.");
    }

    public static void NonNegativeFinite(double value, string name)
    {
        if (!(value >= 0) || double.IsInfinity(value)) throw new ArgumentOutOfRangeException(name, value, $"{name} must be a finite number, 0 or more.");
    }
}
