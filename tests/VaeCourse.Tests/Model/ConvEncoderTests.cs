using VaeCourse.Model;
using static VaeCourse.Tests.Rejection;

namespace VaeCourse.Tests.Model;

public class ConvEncoderTests
{
    [Theory]
    [InlineData(0, 8, "latentSize")]
    [InlineData(2, 0, "channels")]
    public void ConvEncoder_constructor(int latentSize, int channels, string param) =>
        Rejects(() => new ConvEncoder(latentSize, channels), param, param, AtLeast1);
}
