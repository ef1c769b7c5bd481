using VaeCourse.Data;
using static TorchSharp.torch;
using static VaeCourse.Tests.Rejection;

namespace VaeCourse.Tests.Data;

public class ImageDataTests
{
    public ImageDataTests() => Course.Setup(seed: 0);

    [Theory]
    [InlineData(784, 0, "side")]
    [InlineData(1024, 28, "side")]   // 32x32 images described as 28x28
    [InlineData(784, 32, "side")]
    public void ImageData_constructor_checks_the_image_size(int features, int side, string param) =>
        Rejects(() => new ImageData(zeros(3, features), zeros(new long[] { 3 }, dtype: int64), side, Datasets.FashionMnistClasses), param, param);

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void ImageData_FromIdx_limit(int limit) =>
        Rejects(() => ImageData.FromIdx(new IdxImages(new byte[8], new byte[2], 2, 2), Datasets.MnistClasses, limit), "limit", "limit", AtLeast1);
}
