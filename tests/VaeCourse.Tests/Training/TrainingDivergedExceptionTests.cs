using TorchSharp;
using TorchSharp.Modules;
using VaeCourse.Model;
using VaeCourse.Training;
using static TorchSharp.torch;

namespace VaeCourse.Tests.Training;

/// <summary>
/// Training that diverges stops with <see cref="TrainingDivergedException"/>: the history of the finished epochs is
/// kept, the message says where and why, and the model keeps finite parameters, including when the loss is finite
/// but its gradients are not (which would otherwise turn every parameter into NaN without a word).
/// </summary>
public sealed class TrainingDivergedExceptionTests
{
    private readonly Xunit.Abstractions.ITestOutputHelper output;

    public TrainingDivergedExceptionTests(Xunit.Abstractions.ITestOutputHelper output)
    {
        this.output = output;
        Course.Setup(seed: 0);
    }

    private static Tensor Data(int n, long seed)
    {
        var g = new Generator((ulong)seed);
        return rand(new long[] { n, 64 }, generator: g);
    }

    private static bool AllFinite(nn.Module model) => model.parameters().All(p => isfinite(p).all().item<bool>());

    [Trait("Category", "Slow")]
    [Fact]
    public void An_absurd_learning_rate_stops_training_with_the_history_so_far_and_a_message_naming_the_rate()
    {
        manual_seed(2);
        var model = Vae.Mlp(64, new[] { 32 }, 4, likelihood: new GaussianLikelihood(0.01));
        optim.Optimizer? optimizer = null;
        const double absurd = 1e6;
        // Two sane epochs first, so there is a history to keep; then the configured, absurd rate takes over.
        var options = new TrainerOptions
        {
            Epochs = 20, BatchSize = 16, LearningRate = absurd,
            Optimizer = (parameters, _) => optimizer = optim.Adam(parameters, 1e-3),
        };
        var trainer = new Trainer(model, options);

        var e = Assert.Throws<TrainingDivergedException>(() => trainer.Fit(Data(256, 1), Data(64, 2), p =>
        {
            if (p.Finished?.Epoch == 2)
                foreach (var group in optimizer!.ParamGroups) group.LearningRate = absurd;
        }));

        output.WriteLine(e.Message);
        Assert.Equal(3, e.Epoch);
        Assert.InRange(e.Batch, 1, 16);
        Assert.Equal(new[] { 1, 2 }, e.History.Epochs.Select(r => r.Epoch));
        Assert.All(e.History.Epochs, r => Assert.True(double.IsFinite(r.TrainNegativeElbo) && double.IsFinite(r.TestNegativeElbo!.Value)));
        Assert.Contains($"epoch 3, batch {e.Batch}", e.Message);
        Assert.Contains("learning rate", e.Message);
        Assert.Contains("it was 1e+06", e.Message);
        Assert.Contains("keeps its parameters from the last finite step", e.Message);
        Assert.True(AllFinite(model), "the model holds non-finite parameters");
    }

    /// <summary>Wraps a VAE; at one chosen step adds sqrt(u) with u exactly 0, whose value is 0 but whose gradient is infinite.</summary>
    private sealed class PoisonedGradients : LatentModel
    {
        private readonly Vae inner;
        private int step;

        public PoisonedGradients(Vae inner) : base(nameof(PoisonedGradients), inner.LatentSize)
        {
            this.inner = inner;
            RegisterComponents();
        }

        public int PoisonAtStep { get; set; } = -1;

        /// <summary>The parameters as they were just before the poisoned step.</summary>
        public List<Tensor>? Before { get; private set; }

        protected override LossTerms Losses(Tensor x)
        {
            var terms = inner.forward(x);
            if (++step != PoisonAtStep) return terms;
            Before = parameters().Select(p => p.detach().clone().DetachFromDisposeScope()).ToList();
            var w = parameters().First();
            var zero = w.sum() - w.sum().detach();        // exactly 0, gradient 1 for every weight
            var poisoned = terms.Reconstruction + zero.sqrt(); // value unchanged; d sqrt(u)/du at 0 is infinite
            return new LossTerms(poisoned, terms.Kl);
        }
    }

    [Trait("Category", "Slow")]
    [Fact]
    public void Infinite_gradients_of_a_finite_loss_stop_training_before_the_step_and_leave_every_parameter_as_it_was()
    {
        manual_seed(4);
        var model = new PoisonedGradients(Vae.Mlp(64, new[] { 32 }, 4)) { PoisonAtStep = 16 + 3 }; // epoch 2, batch 3
        var trainer = new Trainer(model, new TrainerOptions { Epochs = 5, BatchSize = 16 });
        var data = Data(256, 3);

        var e = Assert.Throws<TrainingDivergedException>(() => trainer.Fit(data));

        Assert.True(e.NonFiniteGradients);
        Assert.Equal((2, 3), (e.Epoch, e.Batch));
        Assert.Single(e.History.Epochs);
        Assert.Contains("gradients were NaN or infinite at epoch 2, batch 3", e.Message);
        Assert.Contains("the step was not taken", e.Message);
        var now = model.parameters().ToList();
        Assert.Equal(model.Before!.Count, now.Count);
        for (int i = 0; i < now.Count; i++)
            Assert.True(Bits.Same(now[i], model.Before[i]), $"parameter {i} changed in the poisoned step");

        // The optimiser's state was not touched either: training simply continues from there.
        model.PoisonAtStep = -1;
        var history = trainer.Fit(data);
        Assert.All(history.Epochs, r => Assert.True(double.IsFinite(r.TrainNegativeElbo)));
        Assert.True(AllFinite(model));
    }

    [Fact]
    public void Nan_in_the_data_stops_training_with_a_message_that_mentions_the_inputs()
    {
        manual_seed(5);
        var model = Vae.Mlp(64, new[] { 32 }, 4);
        var data = Data(128, 4);
        data[70, 5] = tensor(float.NaN);
        var e = Assert.Throws<TrainingDivergedException>(() => new Trainer(model, new TrainerOptions { Epochs = 2, BatchSize = 32 }).Fit(data));
        Assert.Equal(1, e.Epoch);
        Assert.Contains("inputs", e.Message);
        Assert.True(AllFinite(model));
    }
}
