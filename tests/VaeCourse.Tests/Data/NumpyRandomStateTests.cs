using VaeCourse.Data;
using Xunit;

namespace VaeCourse.Tests.Data;

public sealed class NumpyRandomStateTests
{
    /// <summary>
    /// <c>np.random.RandomState(0).rand(100)</c>, as published with numpy 1.18.1 (printed at precision 20,
    /// i.e. shortest round-trip form), in a public reference test of the legacy generator's stability.
    /// </summary>
    private static readonly double[] NumpySeed0Rand100 =
    [
        0.5488135039273248, 0.7151893663724195, 0.6027633760716439, 0.5448831829968969, 0.4236547993389047,
        0.6458941130666561, 0.4375872112626925, 0.8917730007820798, 0.9636627605010293, 0.3834415188257777,
        0.7917250380826646, 0.5288949197529045, 0.5680445610939323, 0.925596638292661, 0.07103605819788694,
        0.08712929970154071, 0.02021839744032572, 0.832619845547938, 0.7781567509498505, 0.8700121482468192,
        0.978618342232764, 0.7991585642167236, 0.46147936225293185, 0.7805291762864555, 0.11827442586893322,
        0.6399210213275238, 0.1433532874090464, 0.9446689170495839, 0.5218483217500717, 0.4146619399905236,
        0.26455561210462697, 0.7742336894342167, 0.45615033221654855, 0.5684339488686485, 0.018789800436355142,
        0.6176354970758771, 0.6120957227224214, 0.6169339968747569, 0.9437480785146242, 0.6818202991034834,
        0.359507900573786, 0.43703195379934145, 0.6976311959272649, 0.06022547162926983, 0.6667667154456677,
        0.6706378696181594, 0.2103825610738409, 0.1289262976548533, 0.31542835092418386, 0.3637107709426226,
        0.5701967704178796, 0.43860151346232035, 0.9883738380592262, 0.10204481074802807, 0.2088767560948347,
        0.16130951788499626, 0.6531083254653984, 0.2532916025397821, 0.4663107728563063, 0.24442559200160274,
        0.15896958364551972, 0.11037514116430513, 0.6563295894652734, 0.1381829513486138, 0.1965823616800535,
        0.3687251706609641, 0.8209932298479351, 0.09710127579306127, 0.8379449074988039, 0.09609840789396307,
        0.9764594650133958, 0.4686512016477016, 0.9767610881903371, 0.604845519745046, 0.7392635793983017,
        0.039187792254320675, 0.2828069625764096, 0.1201965612131689, 0.29614019752214493, 0.11872771895424405,
        0.317983179393976, 0.41426299451466997, 0.06414749634878436, 0.6924721193700198, 0.5666014542065752,
        0.2653894909394454, 0.5232480534666997, 0.09394051075844168, 0.5759464955561793, 0.9292961975762141,
        0.31856895245132366, 0.6674103799636817, 0.13179786240439217, 0.7163272041185655, 0.2894060929472011,
        0.18319136200711683, 0.5865129348100832, 0.020107546187493552, 0.8289400292173631, 0.004695476192547066,
    ];

    [Fact]
    public void Rand_with_seed_0_equals_numpy_bit_for_bit()
    {
        double[] ours = new NumpyRandomState(0).RandomSample(100);
        for (int i = 0; i < 100; i++)
            Assert.True(BitConverter.DoubleToInt64Bits(NumpySeed0Rand100[i]) == BitConverter.DoubleToInt64Bits(ours[i]),
                        $"value {i}: numpy {NumpySeed0Rand100[i]:R}, ours {ours[i]:R}");
    }

    [Fact]
    public void Article_data_is_numpy_rand_1000_by_20_with_seed_0()
    {
        // The brief's five values, then the published hundred (rows 0..4 of the 1000 x 20 matrix).
        double[] first5 = [0.5488135039273248, 0.7151893663724195, 0.6027633760716439, 0.5448831829968969, 0.4236547993389047];
        double[] doubles = Synthetic.ArticleDataDouble();
        float[] floats = Synthetic.ArticleData();

        Assert.Equal(1000 * 20, doubles.Length);
        Assert.Equal(1000 * 20, floats.Length);
        Assert.Equal(first5, doubles[..5]);
        Assert.Equal(NumpySeed0Rand100, doubles[..100]);
        for (int i = 0; i < 100; i++)
            Assert.Equal((float)NumpySeed0Rand100[i], floats[i]);
        Assert.All(doubles, v => Assert.InRange(v, 0.0, 1.0 - 1e-17));
        Assert.InRange(doubles.Average(), 0.49, 0.51);
        // Row 1, column 0 is the 21st value (row-major like NumPy).
        Assert.Equal(0.978618342232764, doubles[1 * 20 + 0]);
    }

    [Theory]
    [InlineData(0u, new[] { 1.764052345967664, 0.4001572083672233, 0.9787379841057392, 2.240893199201458, 1.8675579901499675, -0.977277879876411 })]
    [InlineData(42u, new[] { 0.4967141530112327, -0.13826430117118466, 0.6476885381006925, 1.5230298564080254, -0.23415337472333597 })]
    public void Randn_follows_numpys_legacy_polar_method(uint seed, double[] numpy)
    {
        var rs = new NumpyRandomState(seed);
        foreach (double expected in numpy)
            Assert.Equal(expected, rs.StandardNormal(), 1e-15);
    }

    [Fact]
    public void Reseeding_restarts_the_stream_and_clears_the_cached_normal()
    {
        var rs = new NumpyRandomState(0);
        rs.StandardNormal();
        rs.Seed(0);
        Assert.Equal(0.5488135039273248, rs.RandomSample());
    }
}
