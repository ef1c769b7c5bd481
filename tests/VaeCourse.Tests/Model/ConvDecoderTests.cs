using VaeCourse.Model;
using static VaeCourse.Tests.Rejection;

namespace VaeCourse.Tests.Model;

public class ConvDecoderTests
{
    [Theory]
    [InlineData(0, 8, "latentSize")]
    [InlineData(2, 0, "channels")]
    public void ConvDecoder_constructor(int latentSize, int channels, string param) =>
        Rejects(() => new ConvDecoder(latentSize, channels), param, param, AtLeast1);
}
