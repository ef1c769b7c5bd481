using VaeCourse.Model;
using static VaeCourse.Tests.Rejection;

namespace VaeCourse.Tests.Model;

public class MlpEncoderTests
{
    [Theory]
    [InlineData(0, 4, 2, "inputSize")]
    [InlineData(8, 0, 2, "hidden")]
    [InlineData(8, 4, 0, "latentSize")]
    public void MlpEncoder_constructor(int inputSize, int hidden, int latentSize, string param) =>
        Rejects(() => new MlpEncoder(inputSize, new[] { hidden }, latentSize), param, param, AtLeast1);
}
