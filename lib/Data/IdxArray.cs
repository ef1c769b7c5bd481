namespace VaeCourse.Data;

/// <summary>
/// An n-dimensional array of unsigned bytes read from an IDX file, in row-major order
/// (the last dimension varies fastest), exactly as stored in the file.
/// </summary>
public sealed class IdxArray
{
    /// <summary>Creates an array; <paramref name="data"/> must hold exactly the product of <paramref name="shape"/> bytes.</summary>
    /// <param name="shape">The dimensions, outermost first (e.g. [count, rows, cols]).</param>
    /// <param name="data">The elements in row-major order.</param>
    /// <exception cref="ArgumentException">The shape is empty or negative, or does not match the data length.</exception>
    public IdxArray(int[] shape, byte[] data)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(data);
        if (shape.Length == 0)
            throw new ArgumentException("An IDX array has at least one dimension.", nameof(shape));
        long product = 1;
        foreach (int d in shape)
        {
            if (d < 0)
                throw new ArgumentException($"Dimension {d} is negative.", nameof(shape));
            product *= d;
            if (product > Array.MaxLength)
                throw new ArgumentException("The shape describes more elements than an array can hold.", nameof(shape));
        }
        if (product != data.Length)
            throw new ArgumentException(
                $"Shape [{string.Join(", ", shape)}] needs {product} elements but data has {data.Length}.", nameof(data));
        Shape = shape;
        Data = data;
    }

    /// <summary>The dimensions, outermost first.</summary>
    public int[] Shape { get; }

    /// <summary>The elements in row-major order; its length is the product of <see cref="Shape"/>.</summary>
    public byte[] Data { get; }

    /// <summary>The number of dimensions.</summary>
    public int Rank => Shape.Length;

    /// <inheritdoc/>
    public override string ToString() => $"IdxArray<ubyte>[{string.Join("x", Shape)}]";
}
