using static TorchSharp.torch;

namespace VaeCourse.Tests;

/// <summary>Bit-for-bit comparison of tensors (NaN payloads included).</summary>
internal static class Bits
{
    public static bool Same(Tensor a, Tensor b)
    {
        if (a.dtype != b.dtype || !a.shape.SequenceEqual(b.shape)) return false;
        using var x = a.detach().cpu().contiguous();
        using var y = b.detach().cpu().contiguous();
        return x.bytes.SequenceEqual(y.bytes);
    }
}
