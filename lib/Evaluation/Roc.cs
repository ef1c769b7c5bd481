using static TorchSharp.torch;

namespace VaeCourse.Evaluation;

/// <summary>
/// The receiver operating characteristic of a score that should be higher for positives (anomalies) than
/// for negatives (Fawcett 2006, "An introduction to ROC analysis"). Tied scores are handled as one
/// threshold: the curve takes a diagonal step through them and the area counts each tie as one half.
/// </summary>
public sealed class Roc
{
    private Roc(double[] falsePositiveRate, double[] truePositiveRate, double[] thresholds, double auc, int positives, int negatives)
    {
        FalsePositiveRate = falsePositiveRate;
        TruePositiveRate = truePositiveRate;
        Thresholds = thresholds;
        Auc = auc;
        Positives = positives;
        Negatives = negatives;
    }

    /// <summary>False positive rates, from 0 to 1, one per distinct threshold plus the origin.</summary>
    public IReadOnlyList<double> FalsePositiveRate { get; }

    /// <summary>True positive rates matching <see cref="FalsePositiveRate"/>.</summary>
    public IReadOnlyList<double> TruePositiveRate { get; }

    /// <summary>The score threshold of each point (score at or above it is called positive); +infinity at the origin.</summary>
    public IReadOnlyList<double> Thresholds { get; }

    /// <summary>Area under the curve: the probability that a random positive scores above a random negative (ties count one half).</summary>
    public double Auc { get; }

    /// <summary>Number of positive examples.</summary>
    public int Positives { get; }

    /// <summary>Number of negative examples.</summary>
    public int Negatives { get; }

    /// <summary>The true positive rate at the largest threshold whose false positive rate is at most <paramref name="fpr"/>.</summary>
    public double TruePositiveRateAt(double fpr)
    {
        if (!(fpr >= 0 && fpr <= 1)) throw new ArgumentOutOfRangeException(nameof(fpr), fpr, "fpr must lie in [0, 1].");
        double best = 0;
        for (int i = 0; i < FalsePositiveRate.Count; i++)
            if (FalsePositiveRate[i] <= fpr) best = Math.Max(best, TruePositiveRate[i]);
        return best;
    }

    /// <summary>The ROC of <paramref name="scores"/> (higher means more likely positive) against <paramref name="positive"/>.</summary>
    public static Roc Compute(double[] scores, bool[] positive)
    {
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(positive);
        if (scores.Length != positive.Length)
            throw new ArgumentException($"scores has {scores.Length} values but positive has {positive.Length}; give one label per score.", nameof(positive));
        for (int i = 0; i < scores.Length; i++)
            if (double.IsNaN(scores[i]))
                throw new ArgumentException($"scores[{i}] is NaN; every score must be a number (infinities are allowed).", nameof(scores));
        int p = positive.Count(b => b), n = positive.Length - p;
        if (p == 0 || n == 0)
            throw new ArgumentException($"The ROC needs both classes: got {p} positive and {n} negative examples.", nameof(positive));

        var order = Enumerable.Range(0, scores.Length).OrderByDescending(i => scores[i]).ToArray();
        var fpr = new List<double> { 0 };
        var tpr = new List<double> { 0 };
        var thresholds = new List<double> { double.PositiveInfinity };
        double area = 0;
        int tp = 0, fp = 0;
        for (int start = 0; start < order.Length;)
        {
            double threshold = scores[order[start]];
            int end = start;
            while (end < order.Length && scores[order[end]] == threshold)
            {
                if (positive[order[end]]) tp++; else fp++;
                end++;
            }
            double x = (double)fp / n, y = (double)tp / p;
            area += (x - fpr[^1]) * (y + tpr[^1]) / 2; // trapezoid: a tie block counts one half
            fpr.Add(x);
            tpr.Add(y);
            thresholds.Add(threshold);
            start = end;
        }
        return new Roc(fpr.ToArray(), tpr.ToArray(), thresholds.ToArray(), area, p, n);
    }

    /// <summary>The ROC of a score vector and a boolean (or 0/1) label vector held as tensors.</summary>
    public static Roc Compute(Tensor scores, Tensor positive)
    {
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(positive);
        if (scores.dim() != 1 || positive.dim() != 1)
            throw new ArgumentException($"scores and positive must be vectors; got shapes {Check.Shape(scores)} and {Check.Shape(positive)}.", nameof(scores));
        var s = scores.detach().to(float64).cpu().data<double>().ToArray();
        var y = positive.detach().to(ScalarType.Bool).cpu().data<bool>().ToArray();
        return Compute(s, y);
    }
}
