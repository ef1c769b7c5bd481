using static TorchSharp.torch;
using static VaeCourse.Tests.Rejection;

namespace VaeCourse.Tests;

public class CourseTests
{
    public CourseTests() => Course.Setup(seed: 0);

    [Fact]
    public void ThreadsComeFromVaeThreadsWhenSet()
    {
        string? old = Environment.GetEnvironmentVariable("VAE_THREADS");
        try
        {
            Environment.SetEnvironmentVariable("VAE_THREADS", null);
            Assert.Null(Course.ThreadsFromEnvironment());
            Environment.SetEnvironmentVariable("VAE_THREADS", "1");
            Assert.Equal(1, Course.ThreadsFromEnvironment());
            Environment.SetEnvironmentVariable("VAE_THREADS", "zero");
            var error = Assert.Throws<ArgumentException>(() => Course.ThreadsFromEnvironment());
            Assert.Contains("VAE_THREADS is 'zero'", error.Message);
        }
        finally
        {
            Environment.SetEnvironmentVariable("VAE_THREADS", old);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-2)]
    public void Course_Setup(int threads)
    {
        int before = get_num_threads();
        Rejects(() => Course.Setup(threads: threads), "threads", "threads", AtLeast1);
        Assert.Equal(before, get_num_threads());
    }
}
