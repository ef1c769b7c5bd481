namespace VaeCourse.Data;

/// <summary>Which half of an MNIST-style dataset: the training set or the test set.</summary>
public enum DatasetSplit
{
    /// <summary>The training set (files <c>train-images-idx3-ubyte.gz</c>, <c>train-labels-idx1-ubyte.gz</c>).</summary>
    Train,

    /// <summary>The test set (files <c>t10k-images-idx3-ubyte.gz</c>, <c>t10k-labels-idx1-ubyte.gz</c>).</summary>
    Test,
}
