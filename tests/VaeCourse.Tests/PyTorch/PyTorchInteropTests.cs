using System.Diagnostics;
using System.Text.Json;
using VaeCourse.Data;
using VaeCourse.Model;
using VaeCourse.Training;
using static TorchSharp.torch;

namespace VaeCourse.Tests.PyTorch;

/// <summary>
/// Checkpoints cross to and from PyTorch: Python reads a course checkpoint (safetensors) and finds every value, and the
/// course loads a state dict that PyTorch wrote with torch.save and reproduces PyTorch's outputs.
/// </summary>
[Trait("Category", "Slow")]
public sealed class PyTorchInteropTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("vae-pytorch").FullName;

    public PyTorchInteropTests() => Course.Setup(seed: 0);

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static string Script(string name) =>
        Path.Combine(RepositoryRoot.Find() ?? throw new InvalidOperationException("The repository root is not found."),
            "tests", "VaeCourse.Tests", "PyTorch", name);

    /// <summary>Runs a script with Debian's Python and returns its standard output; fails with its standard error.</summary>
    private static string RunPython(params string[] arguments)
    {
        var start = new ProcessStartInfo(PyTorchFactAttribute.Python) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in arguments) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(120_000), $"{string.Join(' ', arguments)} did not finish in 2 minutes");
        Assert.True(process.ExitCode == 0, $"{string.Join(' ', arguments)} failed: {error.Result}");
        return output;
    }

    private static float[] Values(JsonElement e) => e.GetProperty("values").EnumerateArray().Select(v => (float)v.GetDouble()).ToArray();

    private static long[] Shape(JsonElement e) => e.GetProperty("shape").EnumerateArray().Select(v => v.GetInt64()).ToArray();

    [PyTorchFact]
    public void Python_reads_every_value_of_a_course_checkpoint()
    {
        manual_seed(3);
        var model = Vae.Mlp(12, new[] { 5 }, 3);
        string path = Path.Combine(dir, "model" + Checkpoint.Extension);
        Checkpoint.Save(model, path);

        using var read = JsonDocument.Parse(RunPython(Script("read_safetensors.py"), path));
        var tensors = read.RootElement.GetProperty("tensors");
        var state = model.state_dict();
        Assert.Equal(state.Keys.Select(Checkpoint.Readable).Order(), tensors.EnumerateObject().Select(p => p.Name).Order());
        foreach (var (key, tensor) in state)
        {
            var stored = tensors.GetProperty(Checkpoint.Readable(key));
            Assert.Equal(tensor.shape, Shape(stored));
            Assert.Equal(tensor.data<float>().ToArray(), Values(stored)); // float32 to Python's double and back: exact
        }
        Assert.Matches("^[0-9a-f]{64}$", read.RootElement.GetProperty("metadata").GetProperty(Checkpoint.ChecksumKey).GetString());
    }

    [PyTorchFact]
    public void The_course_loads_a_PyTorch_state_dict_and_reproduces_its_outputs()
    {
        string stateDict = Path.Combine(dir, "model.pt"), outputs = Path.Combine(dir, "outputs.json");
        RunPython(Script("save_state_dict.py"), stateDict, outputs);
        using var expected = JsonDocument.Parse(File.ReadAllText(outputs));
        Tensor Input(string name) => tensor(Values(expected.RootElement.GetProperty(name))).reshape(Shape(expected.RootElement.GetProperty(name)));

        manual_seed(11);
        var model = Vae.Mlp(12, new[] { 5 }, 3);
        var x = Input("x");
        var z = Input("z");
        Assert.False(allclose(model.Decoder.forward(z), Input("decoded"), rtol: 0, atol: 1e-5)); // not equal before loading
        Checkpoint.LoadPyTorch(model, stateDict);
        model.eval();

        using var _ = no_grad();
        var (mu, logVar) = model.Encoder.forward(x);
        Assert.True(allclose(mu, Input("mu"), rtol: 0, atol: 1e-5), "mu differs from PyTorch's");
        Assert.True(allclose(logVar, Input("logVar"), rtol: 0, atol: 1e-5), "logVar differs from PyTorch's");
        Assert.True(allclose(model.Decoder.forward(z), Input("decoded"), rtol: 0, atol: 1e-5), "the decoder's output differs from PyTorch's");
    }

    [PyTorchFact]
    public void A_PyTorch_state_dict_that_does_not_fit_names_the_parameter_and_leaves_the_model_unchanged()
    {
        string stateDict = Path.Combine(dir, "model.pt");
        RunPython(Script("save_state_dict.py"), stateDict, Path.Combine(dir, "outputs.json"));
        var model = Vae.Mlp(12, new[] { 6 }, 3);
        var before = model.parameters().Select(p => p.detach().clone()).ToList();

        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.LoadPyTorch(model, stateDict));

        Assert.Contains($"The checkpoint {stateDict} does not fit the Vae: parameter 'Encoder.body.0.weight' is Float32 [5, 12] in the checkpoint but Float32 [6, 12] in the model", e.Message);
        Assert.Contains("The model is unchanged.", e.Message);
        Assert.All(model.parameters().Zip(before), pair => Assert.True(Bits.Same(pair.First, pair.Second)));
    }
}
