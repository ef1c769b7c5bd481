using VaeCourse.Model;
using static VaeCourse.Tests.Rejection;

namespace VaeCourse.Tests.Model;

public class MlpDecoderTests
{
    [Theory]
    [InlineData(0, 4, 8, "latentSize")]
    [InlineData(2, 0, 8, "hidden")]
    [InlineData(2, 4, 0, "outputSize")]
    public void MlpDecoder_constructor(int latentSize, int hidden, int outputSize, string param) =>
        Rejects(() => new MlpDecoder(latentSize, new[] { hidden }, outputSize), param, param, AtLeast1);
}
