using TorchSharp;
using static TorchSharp.torch;

namespace VaeCourse.Data;

/// <summary>
/// A labelled image set held as tensors, ready for training: <see cref="Images"/> is one float32
/// tensor [N, side*side] with values in [0, 1], <see cref="Labels"/> an int64 tensor [N].
/// </summary>
public sealed class ImageData
{
    /// <summary>Wraps tensors that already have the documented shapes.</summary>
    public ImageData(Tensor images, Tensor labels, int side, IReadOnlyList<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(classNames);
        Check.Positive(side, nameof(side));
        if (images.dim() != 2 || labels.dim() != 1 || images.shape[0] != labels.shape[0])
            throw new ArgumentException($"images must be [N, D] and labels [N]; got [{string.Join(", ", images.shape)}] and [{string.Join(", ", labels.shape)}].");
        if (images.shape[1] != (long)side * side)
            throw new ArgumentException($"side {side} means {side}x{side} = {side * side} pixels per image, but images has {images.shape[1]} per row.", nameof(side));
        Images = images;
        Labels = labels;
        Side = side;
        ClassNames = classNames;
    }

    /// <summary>Converts <see cref="IdxImages"/> (bytes read from IDX files) to tensors, scaling pixels by 1/255.</summary>
    public static ImageData FromIdx(IdxImages set, IReadOnlyList<string> classNames, int? limit = null)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(classNames);
        if (set.Rows != set.Cols) throw new ArgumentException($"Only square images are supported; got {set.Rows}x{set.Cols}.", nameof(set));
        if (limit is < 1) throw new ArgumentOutOfRangeException(nameof(limit), limit, "limit must be at least 1 (or null for all images).");
        int n = Math.Min(limit ?? set.Count, set.Count);
        int d = set.PixelsPerImage;
        var images = tensor(set.Pixels.AsSpan(0, n * d).ToArray(), new long[] { n, d }).to(float32).div_(255f);
        var labels = tensor(set.Labels.AsSpan(0, n).ToArray()).to(int64);
        return new ImageData(images, labels, set.Rows, classNames);
    }

    /// <summary>All images, [N, side*side], float32 in [0, 1].</summary>
    public Tensor Images { get; }

    /// <summary>Class of each image, [N], int64.</summary>
    public Tensor Labels { get; }

    /// <summary>Image side in pixels (28 for MNIST and Fashion-MNIST).</summary>
    public int Side { get; }

    /// <summary>Number of images.</summary>
    public int Count => (int)Images.shape[0];

    /// <summary>Name of each class label.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>
    /// One fixed binarization of these images, drawn with <paramref name="seed"/>: pixel d is 1 with probability its grey
    /// level x_d, else 0 (the stochastic binarization of Salakhutdinov and Murray 2008). Drawn once, it is the held-out
    /// set on which a Bernoulli decoder's ELBO and importance-weighted bound are log-likelihoods, the same binary images
    /// in every notebook for a given seed: <c>Datasets.Load().Test.Binarize(seed: 0)</c>. The draws go image after image,
    /// so the first n images of a set come out the same as those of its first n images alone (a smaller testLimit).
    /// Labels, side and class names are kept. Training uses <see cref="Training.Binarization.Dynamic"/> instead.
    /// </summary>
    public ImageData Binarize(long seed) => new(Binarize(Images, seed), Labels, Side, ClassNames);

    /// <summary>
    /// <see cref="Binarize(long)"/> for a tensor of grey levels [N, D] in [0, 1] (checked): the same draws for the same
    /// seed, for data held as a bare tensor.
    /// </summary>
    public static Tensor Binarize(Tensor greyLevels, long seed)
    {
        CheckGreyLevels(greyLevels, nameof(greyLevels));
        using var generator = new Generator((ulong)seed);
        return DrawBinary(greyLevels, generator);
    }

    /// <summary>
    /// Binary pixels drawn from grey levels in [0, 1] (not checked here, for speed): 1 with probability x_d, else 0, in
    /// the dtype and on the device of <paramref name="greyLevels"/>. The uniforms come from <paramref name="generator"/>
    /// on the CPU and then move, so a CPU generator fixes the draws on every device (as the trainer's batch order).
    /// Used by <see cref="Binarize(long)"/> and, every batch, by dynamic binarization in the trainer.
    /// </summary>
    public static Tensor DrawBinary(Tensor greyLevels, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(greyLevels);
        ArgumentNullException.ThrowIfNull(generator);
        using var scope = NewDisposeScope();
        var u = rand(greyLevels.shape, dtype: greyLevels.dtype, generator: generator).to(greyLevels.device);
        return u.lt(greyLevels).to(greyLevels.dtype).MoveToOuterDisposeScope();
    }

    /// <summary>Throws when <paramref name="images"/> holds values outside [0, 1], which are not probabilities of a pixel being on.</summary>
    internal static void CheckGreyLevels(Tensor images, string name)
    {
        ArgumentNullException.ThrowIfNull(images, name);
        if (images.numel() == 0) return;
        if (!images.is_floating_point())
            throw new ArgumentException($"{name} must hold grey levels as floating-point values in [0, 1] (got {images.dtype}); scale pixel bytes by 1/255 first.", name);
        double min = images.min().to(ScalarType.Float64).item<double>(), max = images.max().to(ScalarType.Float64).item<double>();
        if (!(min >= 0 && max <= 1))
            throw new ArgumentException($"{name} holds values from {min:g4} to {max:g4}, but binarization needs grey levels in [0, 1] " +
                                        "(each is the probability that the pixel is 1).", name);
    }

    /// <summary>The images and labels whose label satisfies <paramref name="keep"/>.</summary>
    public ImageData Where(Func<long, bool> keep)
    {
        ArgumentNullException.ThrowIfNull(keep);
        var labels = Labels.data<long>().ToArray();
        var index = tensor(Enumerable.Range(0, labels.Length).Where(i => keep(labels[i])).Select(i => (long)i).ToArray());
        return new ImageData(Images.index_select(0, index), Labels.index_select(0, index), Side, ClassNames);
    }
}
