namespace VaeCourse.Evaluation;

/// <summary>
/// Bits per dimension: a negative log-likelihood in nats per example divided by the number of dimensions and by ln 2,
/// the unit in which likelihoods of images are compared across data sets of different sizes (Theis, van den Oord and
/// Bethge 2016, "A note on the evaluation of generative models"). For binary images under a Bernoulli decoder it is the
/// average code length per pixel; 1 bit is a coin flip per pixel. For densities of continuous data it depends on how
/// the data were scaled, so compare only figures computed on the same data.
/// </summary>
public static class BitsPerDimension
{
    /// <summary>
    /// <paramref name="natsPerExample"/> / (<paramref name="dimensions"/> ln 2): for example an NLL of 86.8 nats on
    /// 784-pixel MNIST images is 0.16 bits per dimension.
    /// </summary>
    public static double FromNats(double natsPerExample, int dimensions)
    {
        if (!double.IsFinite(natsPerExample))
            throw new ArgumentOutOfRangeException(nameof(natsPerExample), natsPerExample, "natsPerExample must be a finite number of nats.");
        Check.Positive(dimensions, nameof(dimensions));
        return natsPerExample / (dimensions * Math.Log(2));
    }
}
