namespace VaeCourse;

/// <summary>
/// The .NET Interactive formatters of <see cref="Claim"/>: HTML (<see cref="Claim.ToHtml"/>) and plain text. The kernel
/// finds them by convention, through an attribute named <c>TypeFormatterSourceAttribute</c> with a
/// <c>FormatterSourceType</c>, so the library needs no reference to the kernel's packages.
/// </summary>
internal sealed class ClaimFormatterSource
{
    /// <summary>Called by the kernel: one formatter per MIME type.</summary>
    public IEnumerable<object> CreateTypeFormatters() =>
        [new ClaimFormatter("text/html", c => c.ToHtml()), new ClaimFormatter("text/plain", c => c.ToString())];

    /// <summary>A formatter as the kernel's convention expects it: a MIME type and <c>bool Format(object, TextWriter)</c>.</summary>
    internal sealed class ClaimFormatter(string mimeType, Func<Claim, string> format)
    {
        public string MimeType => mimeType;

        public Type Type => typeof(Claim);

        public bool Format(object instance, TextWriter writer)
        {
            if (instance is not Claim claim) return false;
            writer.Write(format(claim));
            return true;
        }
    }
}

/// <summary>Names the formatter source of a type for .NET Interactive, by the kernel's naming convention.</summary>
[AttributeUsage(AttributeTargets.Class)]
internal sealed class TypeFormatterSourceAttribute(Type formatterSourceType) : Attribute
{
    public Type FormatterSourceType { get; } = formatterSourceType;

    public string[] PreferredMimeTypes { get; set; } = [];
}
