using TorchSharp;
using static TorchSharp.torch;

namespace VaeCourse.Training;

/// <summary>Saves and loads a model's parameters, never leaving a half-written file under the checkpoint's name.</summary>
public static class Checkpoint
{
    /// <summary>Writes the parameters of <paramref name="model"/> to a temporary file beside <paramref name="path"/>, then renames it into place.</summary>
    public static void Save(nn.Module model, string path)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        string temp = $"{full}.tmp-{Guid.NewGuid():N}";
        try
        {
            model.save(temp);
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>Loads parameters saved by <see cref="Save"/> into <paramref name="model"/>, which must have the same shape.</summary>
    public static void Load(nn.Module model, string path)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!File.Exists(path))
            throw new FileNotFoundException($"No checkpoint at {Path.GetFullPath(path)}.", path);
        try
        {
            model.load(path);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidDataException($"Could not load the checkpoint {Path.GetFullPath(path)} into a {model.GetType().Name}: {e.Message} " +
                "The file must come from Checkpoint.Save of a model built with the same sizes.", e);
        }
    }
}
