namespace VaeCourse.Data;

/// <summary>
/// The Mersenne Twister MT19937 as NumPy's legacy <c>numpy.random.RandomState</c> (and <c>np.random.seed</c>)
/// uses it, so that C# code reproduces Python examples: with the same integer seed,
/// <see cref="RandomSample()"/> returns exactly the doubles of <c>np.random.rand</c> / <c>random_sample</c>,
/// bit for bit, and <see cref="StandardNormal()"/> follows the legacy polar method of <c>np.random.randn</c>.
/// </summary>
/// <remarks>Not thread-safe; not for cryptography.</remarks>
public sealed class NumpyRandomState
{
    private const int N = 624;
    private const int M = 397;
    private const uint MatrixA = 0x9908B0DFu;
    private const uint UpperMask = 0x80000000u;
    private const uint LowerMask = 0x7FFFFFFFu;

    private readonly uint[] _mt = new uint[N];
    private int _index;
    private bool _hasGauss;
    private double _gauss;

    /// <summary>Creates a generator seeded like <c>np.random.seed(seed)</c> / <c>RandomState(seed)</c> with an integer seed.</summary>
    /// <param name="seed">The seed, 0 .. 2^32 - 1.</param>
    public NumpyRandomState(uint seed) => Seed(seed);

    /// <summary>Re-seeds like <c>np.random.seed(seed)</c> (MT19937 <c>init_genrand</c>); clears the cached normal.</summary>
    /// <param name="seed">The seed.</param>
    public void Seed(uint seed)
    {
        _mt[0] = seed;
        for (int i = 1; i < N; i++)
            _mt[i] = unchecked(1812433253u * (_mt[i - 1] ^ (_mt[i - 1] >> 30)) + (uint)i);
        _index = N;
        _hasGauss = false;
        _gauss = 0;
    }

    /// <summary>The next 32-bit output of MT19937 (NumPy's <c>randint</c> building block).</summary>
    /// <returns>A uniformly distributed 32-bit value.</returns>
    public uint NextUInt32()
    {
        if (_index >= N)
            Twist();
        uint y = _mt[_index++];
        y ^= y >> 11;
        y ^= (y << 7) & 0x9D2C5680u;
        y ^= (y << 15) & 0xEFC60000u;
        y ^= y >> 18;
        return y;
    }

    /// <summary>A double in [0, 1) with 53 random bits, equal to NumPy's <c>random_sample()</c>.</summary>
    /// <returns>The next uniform double.</returns>
    public double RandomSample()
    {
        uint a = NextUInt32() >> 5;
        uint b = NextUInt32() >> 6;
        return (a * 67108864.0 + b) / 9007199254740992.0;
    }

    /// <summary><paramref name="count"/> doubles in [0, 1), equal to <c>np.random.rand(count)</c> (or <c>rand(rows, cols)</c> flattened, row-major).</summary>
    /// <param name="count">How many.</param>
    /// <returns>A new array.</returns>
    public double[] RandomSample(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var result = new double[count];
        for (int i = 0; i < count; i++)
            result[i] = RandomSample();
        return result;
    }

    /// <summary>
    /// A standard normal sample by NumPy's legacy polar (Marsaglia) method, as <c>np.random.randn()</c>:
    /// each pair of uniforms accepted gives two normals, the second cached for the next call.
    /// Equal to NumPy up to the last-bit rounding of the platform's <c>log</c> and <c>sqrt</c>.
    /// </summary>
    /// <returns>The next normal sample.</returns>
    public double StandardNormal()
    {
        if (_hasGauss)
        {
            _hasGauss = false;
            return _gauss;
        }
        double x1, x2, r2;
        do
        {
            x1 = 2.0 * RandomSample() - 1.0;
            x2 = 2.0 * RandomSample() - 1.0;
            r2 = x1 * x1 + x2 * x2;
        }
        while (r2 >= 1.0 || r2 == 0.0);
        double f = Math.Sqrt(-2.0 * Math.Log(r2) / r2);
        _gauss = f * x1;
        _hasGauss = true;
        return f * x2;
    }

    /// <summary>A normal sample with the given mean and standard deviation (<c>np.random.normal(loc, scale)</c>).</summary>
    /// <param name="mean">The mean.</param>
    /// <param name="standardDeviation">The standard deviation.</param>
    /// <returns>The sample.</returns>
    public double Normal(double mean, double standardDeviation) => mean + standardDeviation * StandardNormal();

    private void Twist()
    {
        uint y;
        int kk;
        for (kk = 0; kk < N - M; kk++)
        {
            y = (_mt[kk] & UpperMask) | (_mt[kk + 1] & LowerMask);
            _mt[kk] = _mt[kk + M] ^ (y >> 1) ^ ((y & 1u) != 0 ? MatrixA : 0u);
        }
        for (; kk < N - 1; kk++)
        {
            y = (_mt[kk] & UpperMask) | (_mt[kk + 1] & LowerMask);
            _mt[kk] = _mt[kk + (M - N)] ^ (y >> 1) ^ ((y & 1u) != 0 ? MatrixA : 0u);
        }
        y = (_mt[N - 1] & UpperMask) | (_mt[0] & LowerMask);
        _mt[N - 1] = _mt[M - 1] ^ (y >> 1) ^ ((y & 1u) != 0 ? MatrixA : 0u);
        _index = 0;
    }
}
