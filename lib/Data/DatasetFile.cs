namespace VaeCourse.Data;

/// <summary>One file of a dataset: its standard name and the SHA-256 of the upstream download.</summary>
/// <param name="FileName">The file name, e.g. <c>train-images-idx3-ubyte.gz</c>.</param>
/// <param name="Sha256">The SHA-256 of the file as downloaded from the mirrors, lower-case hex.</param>
public sealed record DatasetFile(string FileName, string Sha256);
