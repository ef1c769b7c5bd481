using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using TorchSharp;
using VaeCourse.Model;
using static TorchSharp.torch;

namespace VaeCourse.Training;

/// <summary>
/// What decides the result of <c>new Trainer(model, options).Fit(train, test)</c>, written out as text, and its
/// SHA-256: the identity of a <see cref="ModelCache"/> entry. Two runs with equal keys train the same model.
/// </summary>
/// <remarks>
/// The description holds, one item a line:
/// <list type="bullet">
/// <item>the library: the module version id of the VaeCourse assembly (it changes whenever the library's code does) and TorchSharp's version;</item>
/// <item>the architecture: every module of the model by path and .NET type, with the settings its fields hold (numbers, flags,
/// strings, such as a dropout rate or a sigmoid output) and the objects it holds that are not modules or tensors, field by field
/// (the likelihood and its sigma); types from another assembly add that assembly's module version id;</item>
/// <item>the initial parameters and buffers: each one's name, element type and shape, and the SHA-256 of all their bytes
/// (the notebooks seed libtorch before building a model, so this is where that seed shows);</item>
/// <item>every <see cref="TrainerOptions"/> setting that can change the result (all but <see cref="TrainerOptions.ProgressInterval"/>),
/// the training seed among them;</item>
/// <item>the training and held-out data: element type, shape and the SHA-256 of their bytes (which covers the data set and the subset taken).</item>
/// </list>
/// </remarks>
public sealed class ModelCacheKey
{
    private ModelCacheKey(string description)
    {
        Description = description;
        Hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(description)));
    }

    /// <summary>The text the key is computed from, one item a line (stored in the entry, for people and for the check on load).</summary>
    public string Description { get; }

    /// <summary>The SHA-256 of <see cref="Description"/>, 64 lower-case hex digits.</summary>
    public string Hash { get; }

    /// <summary>The description's lines, as a cache entry stores them.</summary>
    internal string[] Lines => Description.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>Whether an entry that stores <paramref name="hash"/> and <paramref name="lines"/> was written for this key.</summary>
    internal bool IsStoredAs(string hash, string[] lines) => hash == Hash && string.Join('\n', lines) + "\n" == Description;

    /// <summary>The key of training <paramref name="model"/>, as it is now, with <paramref name="options"/> on <paramref name="train"/> and <paramref name="test"/>.</summary>
    /// <exception cref="ArgumentException">
    /// The options give a custom <see cref="TrainerOptions.Optimizer"/> (a function the key cannot see into), or a part of the model
    /// is defined in an assembly without a file (code compiled in a notebook cell), whose code the key cannot identify.
    /// </exception>
    /// <param name="model">The model, as it is before training.</param>
    /// <param name="options">The training settings.</param>
    /// <param name="train">The training data.</param>
    /// <param name="test">The held-out data, or null.</param>
    /// <param name="afterEpoch">The name of a measurement taken after each epoch and stored with the entry, or null.</param>
    public static ModelCacheKey Of(nn.Module model, TrainerOptions options, Tensor train, Tensor? test, string? afterEpoch = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(train);
        var text = new StringBuilder();
        AppendModel(text, model, "initial state");
        AppendOptions(text, options);
        AppendData(text, "train", train);
        if (test is null) text.Append("test none\n");
        else AppendData(text, "test", test);
        if (afterEpoch is not null) text.Append("after each epoch ").Append(afterEpoch.ReplaceLineEndings(" ")).Append('\n');
        return new ModelCacheKey(text.ToString());
    }

    /// <summary>
    /// The key of a result computed from <paramref name="model"/> as it is now (typically trained or loaded by
    /// <see cref="ModelCache.TrainOrLoad"/>) on <paramref name="input"/>, described by <paramref name="computation"/>, with
    /// libtorch's default random generator in the state it is in now: the library and the architecture as in <see cref="Of"/>,
    /// the current parameters and buffers, the computation's text, the input's values and the SHA-256 of the generator's
    /// state (which covers the seed the notebook set and every draw since). Used by <see cref="ModelCache.ComputeOrLoad"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The computation's text is empty, or a part of the model is defined in code compiled in memory.</exception>
    public static ModelCacheKey OfComputation(nn.Module model, string computation, Tensor input)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrWhiteSpace(computation);
        ArgumentNullException.ThrowIfNull(input);
        var text = new StringBuilder();
        AppendModel(text, model, "state");
        text.Append("computation ").Append(computation.ReplaceLineEndings(" ")).Append('\n');
        AppendData(text, "input", input);
        using (var state = Generator.Default.get_state())
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            AppendBytes(hash, state);
            text.Append("random state sha256 ").Append(Convert.ToHexStringLower(hash.GetHashAndReset())).Append('\n');
        }
        return new ModelCacheKey(text.ToString());
    }

    /// <summary>The library's identity, every module with its settings, and the state dictionary under <paramref name="stateLabel"/>.</summary>
    private static void AppendModel(StringBuilder text, nn.Module model, string stateLabel)
    {
        text.Append("library VaeCourse ").Append(typeof(ModelCacheKey).Assembly.ManifestModule.ModuleVersionId)
            .Append(", TorchSharp ").Append(typeof(torch).Assembly.GetName().Version).Append('\n');
        foreach (var (path, module) in model.named_modules().Prepend(("", model)))
        {
            text.Append("module ").Append(path.Length == 0 ? "(model)" : Checkpoint.Readable(path)).Append(": ");
            AppendObject(text, module, depth: 0);
            text.Append('\n');
        }
        AppendState(text, model, stateLabel);
    }

    /// <summary>Names, types and shapes of the state dictionary, and one SHA-256 over all its bytes.</summary>
    private static void AppendState(StringBuilder text, nn.Module model, string label)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (name, tensor) in model.state_dict())
        {
            text.Append("state ").Append(Checkpoint.Readable(name)).Append(' ').Append(tensor.dtype).Append(' ')
                .Append(Shape(tensor)).Append(" on ").Append(tensor.device_type).Append('\n');
            AppendBytes(hash, tensor);
        }
        text.Append(label).Append(" sha256 ").Append(Convert.ToHexStringLower(hash.GetHashAndReset())).Append('\n');
    }

    /// <summary>Every public setting of <see cref="TrainerOptions"/> by name (so a setting added later is in the key too), but the progress interval.</summary>
    private static void AppendOptions(StringBuilder text, TrainerOptions options)
    {
        if (options.Optimizer is not null)
            throw new ArgumentException(
                "The model cache cannot key TrainerOptions.Optimizer: a custom optimiser is a function whose settings it cannot see. " +
                "Train such a model with new Trainer(model, options).Fit(...), or leave Optimizer unset (Adam).", nameof(options));
        foreach (var property in typeof(TrainerOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance).OrderBy(p => p.Name, StringComparer.Ordinal))
        {
            // When progress is reported does not change the result; the optimiser is null (Adam), checked above.
            if (property.Name is nameof(TrainerOptions.ProgressInterval) or nameof(TrainerOptions.Optimizer)) continue;
            text.Append("option ").Append(property.Name).Append(' ').Append(Value(property.GetValue(options), property.Name)).Append('\n');
        }
    }

    private static void AppendData(StringBuilder text, string name, Tensor data)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        AppendBytes(hash, data);
        text.Append(name).Append(' ').Append(data.dtype).Append(' ').Append(Shape(data))
            .Append(" sha256 ").Append(Convert.ToHexStringLower(hash.GetHashAndReset())).Append('\n');
    }

    private static void AppendBytes(IncrementalHash hash, Tensor tensor)
    {
        using var scope = NewDisposeScope();
        var host = tensor.detach().cpu().contiguous();
        if (host.numel() > 0) hash.AppendData(host.bytes);
    }

    /// <summary>
    /// An object's type and the settings its fields hold: numbers, flags, strings and enums by value, other objects
    /// (a likelihood) the same way; modules, tensors and delegates are skipped (modules have lines of their own,
    /// tensors are in the state), and so are the fields TorchSharp's base class <c>Module</c> keeps for itself (its mode, its registries).
    /// </summary>
    private static void AppendObject(StringBuilder text, object item, int depth)
    {
        var type = item.GetType();
        text.Append(type.FullName);
        var assembly = type.Assembly;
        if (assembly != typeof(ModelCacheKey).Assembly && assembly != typeof(torch).Assembly)
        {
            if (string.IsNullOrEmpty(assembly.Location))
                throw new ArgumentException(
                    $"The model cache cannot key {type.Name}: it is defined in code compiled in memory (a notebook cell), which has no version to key. " +
                    "Train it with new Trainer(model, options).Fit(...), or move the class into the course library.", "model");
            text.Append(" (").Append(assembly.GetName().Name).Append(' ').Append(assembly.ManifestModule.ModuleVersionId).Append(')');
        }
        var fields = new List<string>();
        for (var t = type; t is not null && t.Namespace != typeof(torch).Namespace && t != typeof(object); t = t.BaseType)
            foreach (var field in t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                var fieldType = field.FieldType;
                if (typeof(nn.Module).IsAssignableFrom(fieldType) || typeof(Tensor).IsAssignableFrom(fieldType) || typeof(Delegate).IsAssignableFrom(fieldType))
                    continue;
                object? value = field.GetValue(item);
                string name = Checkpoint.Readable(field.Name);
                if (IsSetting(fieldType)) fields.Add($"{name}={Value(value, name)}");
                else if (value is not null && IsOwnObject(value.GetType()) && depth < 3)
                {
                    var inner = new StringBuilder();
                    AppendObject(inner, value, depth + 1);
                    fields.Add($"{name}={inner}");
                }
            }
        if (fields.Count > 0) text.Append(" { ").Append(string.Join(", ", fields.Order(StringComparer.Ordinal))).Append(" }");
    }

    /// <summary>A value kind that is written out: numbers, flags, characters, strings, enums, their nullable forms and arrays of them.</summary>
    private static bool IsSetting(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? (type.IsArray ? type.GetElementType()! : type);
        return type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(TimeSpan);
    }

    /// <summary>An object of the course's (or a user's) own, such as a likelihood: not one of the runtime's or TorchSharp's.</summary>
    private static bool IsOwnObject(Type type) =>
        type.Assembly != typeof(object).Assembly && type.Assembly != typeof(torch).Assembly && !(type.Namespace ?? "").StartsWith("System", StringComparison.Ordinal);

    /// <summary>A value as invariant text; doubles round-trip exactly ("R").</summary>
    private static string Value(object? value, string name) => value switch
    {
        null => "null",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        string s => $"\"{s}\"",
        Array a => "[" + string.Join(", ", a.Cast<object?>().Select(x => Value(x, name))) + "]",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        bool or char or Enum => value.ToString()!,
        _ => throw new ArgumentException($"The model cache cannot key the setting {name} of type {value.GetType().Name}.", name),
    };

    private static string Shape(Tensor t) => $"[{string.Join(", ", t.shape)}]";
}
