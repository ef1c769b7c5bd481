using Bench;

namespace VaeCourse.Tests.Bench;

/// <summary>The benchmark's options: --help, the defaults, and bad values or combinations failing with a message.</summary>
[Trait("Category", "Slow")]
public class BenchOptionsTests
{
    [Fact]
    public void HelpPrintsTheOptionsAndBadOptionsFailWithAMessage()
    {
        var help = new StringWriter();
        Assert.Equal(0, Program.Run(new[] { "--help" }, help));
        foreach (string option in new[] { "--dataset", "--model", "--epochs", "--batch", "--latent", "--hidden", "--threads", "--iw-k" })
            Assert.Contains(option, help.ToString());

        foreach (var bad in new[] { new[] { "--model", "rnn" }, new[] { "--batch", "0" }, new[] { "--epochs" }, new[] { "--frobnicate" }, new[] { "--dataset", "cifar" } })
        {
            var output = new StringWriter();
            var log = new StringWriter();
            Assert.Equal(2, Program.Run(bad, output, log));
            Assert.Equal("", output.ToString());
            Assert.StartsWith("bench: ", log.ToString());
        }
    }

    [Fact]
    public void TheDefaultsAreBernoulliWithoutBinarizationAndBadValuesOrCombinationsFailWithAMessage()
    {
        var defaults = BenchOptions.Parse(Array.Empty<string>());
        Assert.Equal("bernoulli", defaults.Likelihood);
        Assert.Equal("none", defaults.Binarize);
        var gaussian = BenchOptions.Parse(new[] { "--likelihood", "gaussian", "--binarize", "dynamic", "--no-baseline", "--iw-loop-images", "0" });
        Assert.Equal(("gaussian", "dynamic", 0), (gaussian.Likelihood, gaussian.Binarize, gaussian.IwLoopImages));

        var cases = new (string[] Args, string Message)[]
        {
            (new[] { "--likelihood", "poisson" }, "--likelihood must be bernoulli, continuous-bernoulli or gaussian"),
            (new[] { "--binarize", "static" }, "--binarize must be none or dynamic"),
            (new[] { "--likelihood", "continuous-bernoulli" }, "needs --no-baseline"),
            (new[] { "--binarize", "dynamic" }, "needs --no-baseline"),
            (new[] { "--binarize", "dynamic", "--no-baseline", "--profile" }, "no --profile"),
        };
        foreach (var (args, message) in cases)
        {
            var output = new StringWriter();
            var log = new StringWriter();
            Assert.Equal(2, Program.Run(args, output, log));
            Assert.Contains(message, log.ToString());
        }
        var help = new StringWriter();
        Program.Run(new[] { "--help" }, help);
        Assert.Contains("--likelihood", help.ToString());
        Assert.Contains("--binarize", help.ToString());
    }
}
