namespace VaeCourse.Data;

/// <summary>
/// The element type codes of the IDX file format (the third byte of the magic number).
/// Only <see cref="UnsignedByte"/> is read by <see cref="IdxReader"/>; the others are valid IDX
/// but rejected with an <see cref="IdxFormatException"/>.
/// </summary>
public enum IdxElementType : byte
{
    /// <summary>Unsigned byte (0x08): MNIST and Fashion-MNIST images and labels.</summary>
    UnsignedByte = 0x08,

    /// <summary>Signed byte (0x09).</summary>
    SignedByte = 0x09,

    /// <summary>Big-endian 16-bit integer (0x0B).</summary>
    Int16 = 0x0B,

    /// <summary>Big-endian 32-bit integer (0x0C).</summary>
    Int32 = 0x0C,

    /// <summary>Big-endian 32-bit float (0x0D).</summary>
    Float32 = 0x0D,

    /// <summary>Big-endian 64-bit float (0x0E).</summary>
    Float64 = 0x0E,
}
