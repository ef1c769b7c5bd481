namespace VaeCourse.Data;

/// <summary>
/// The images and labels of a pair of IDX files (MNIST's format), as the files hold them: grayscale pixels and one label
/// per image, as bytes. Image <c>i</c> is <c>Pixels[i * Rows * Cols .. (i + 1) * Rows * Cols]</c> in row-major order, its
/// label <c>Labels[i]</c>. <see cref="ImageData.FromIdx"/> turns them into the tensors the models take.
/// </summary>
public sealed class IdxImages
{
    /// <summary>Creates the images and labels from arrays.</summary>
    /// <param name="pixels">Count * rows * cols pixel values, image after image, row-major.</param>
    /// <param name="labels">One label per image.</param>
    /// <param name="rows">The image height.</param>
    /// <param name="cols">The image width.</param>
    /// <exception cref="ArgumentException">The array lengths do not agree with each other and the image size.</exception>
    public IdxImages(byte[] pixels, byte[] labels, int rows, int cols)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(cols);
        if ((long)labels.Length * rows * cols != pixels.Length)
            throw new ArgumentException(
                $"{labels.Length} labels of {rows}x{cols} images need {(long)labels.Length * rows * cols} pixels, got {pixels.Length}.",
                nameof(pixels));
        Pixels = pixels;
        Labels = labels;
        Rows = rows;
        Cols = cols;
    }

    /// <summary>All pixels (0 = background for MNIST-style data, 255 = full ink), image after image, row-major.</summary>
    public byte[] Pixels { get; }

    /// <summary>One label per image (0..9 for MNIST and Fashion-MNIST).</summary>
    public byte[] Labels { get; }

    /// <summary>The number of images.</summary>
    public int Count => Labels.Length;

    /// <summary>The image height in pixels.</summary>
    public int Rows { get; }

    /// <summary>The image width in pixels.</summary>
    public int Cols { get; }

    /// <summary>The number of pixels in one image (<see cref="Rows"/> * <see cref="Cols"/>).</summary>
    public int PixelsPerImage => Rows * Cols;

    /// <summary>The pixels of image <paramref name="index"/>, row-major.</summary>
    /// <param name="index">The image index, 0 .. <see cref="Count"/> - 1.</param>
    /// <returns>A view into <see cref="Pixels"/>.</returns>
    public ReadOnlySpan<byte> GetImage(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return Pixels.AsSpan(index * PixelsPerImage, PixelsPerImage);
    }

    /// <summary>All pixels scaled to [0, 1] (value / 255), in the same order as <see cref="Pixels"/>.</summary>
    /// <returns>A new array of <see cref="Count"/> * <see cref="PixelsPerImage"/> floats.</returns>
    public float[] ToFloatPixels()
    {
        var result = new float[Pixels.Length];
        for (int i = 0; i < result.Length; i++)
            result[i] = Pixels[i] / 255f;
        return result;
    }

    /// <summary>Loads an image file (3-dimensional IDX) and a label file (1-dimensional IDX), raw or gzip.</summary>
    /// <param name="imagesPath">The images file, e.g. <c>train-images-idx3-ubyte.gz</c>.</param>
    /// <param name="labelsPath">The labels file, e.g. <c>train-labels-idx1-ubyte.gz</c>.</param>
    /// <returns>The images and their labels.</returns>
    /// <exception cref="IdxFormatException">Either file is malformed, or the label count differs from the image count.</exception>
    public static IdxImages Load(string imagesPath, string labelsPath)
    {
        IdxArray images = IdxReader.ReadImages(imagesPath);
        IdxArray labels = IdxReader.ReadLabels(labelsPath);
        int count = images.Shape[0];
        if (labels.Shape[0] != count)
            throw new IdxFormatException(labelsPath,
                $"label count does not match the images: expected {count} labels (the image count in {imagesPath}), found {labels.Shape[0]}");
        return new IdxImages(images.Data, labels.Data, images.Shape[1], images.Shape[2]);
    }

    /// <summary>Loads one split from a folder holding the four standard files (e.g. from <see cref="DatasetResolver.Resolve(string, DatasetResolverOptions?)"/>).</summary>
    /// <param name="folder">The folder with <c>train-images-idx3-ubyte.gz</c> etc.</param>
    /// <param name="split">Training or test set.</param>
    /// <returns>The images and their labels.</returns>
    /// <exception cref="IdxFormatException">A file is malformed, or the label count differs from the image count.</exception>
    public static IdxImages Load(string folder, DatasetSplit split)
    {
        ArgumentNullException.ThrowIfNull(folder);
        return Load(Path.Combine(folder, DatasetCatalog.ImagesFileName(split)),
                    Path.Combine(folder, DatasetCatalog.LabelsFileName(split)));
    }
}
