// Shared first cell of every notebook (#!import setup/ensure-built.csx):
// builds the course library in lib/ when its assembly is missing or older than any of its sources,
// so that the next cell can #r it. The kernel's working directory is the notebook's folder.
{
    string root = System.IO.Path.GetFullPath("..");
    string lib = System.IO.Path.Combine(root, "lib");
    string dll = System.IO.Path.Combine(lib, "bin", "Release", "net10.0", "VaeCourse.dll");
    bool Skip(string f) => f.Contains("/bin/") || f.Contains("/obj/") || f.Contains("\\bin\\") || f.Contains("\\obj\\");
    var sources = System.IO.Directory.EnumerateFiles(lib, "*.*", System.IO.SearchOption.AllDirectories).Where(f => !Skip(f))
        .Concat(new[] { "Directory.Build.props", "Directory.Build.targets", "build/LibStdCxxCompat.cs", "data/checksums.sha256" }
            .Select(f => System.IO.Path.Combine(root, f)).Where(System.IO.File.Exists));
    if (!System.IO.File.Exists(dll) || sources.Max(System.IO.File.GetLastWriteTimeUtc) > System.IO.File.GetLastWriteTimeUtc(dll))
    {
        Console.WriteLine("Building the course library (lib/) ...");
        var psi = new System.Diagnostics.ProcessStartInfo("dotnet", $"build \"{lib}\" -c Release --nologo -v:q -clp:ErrorsOnly")
        { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = root };
        using var build = System.Diagnostics.Process.Start(psi)!;
        var stdout = build.StandardOutput.ReadToEndAsync();
        var stderr = build.StandardError.ReadToEnd();
        build.WaitForExit();
        if (build.ExitCode != 0)
            throw new Exception($"Building {lib} failed (exit code {build.ExitCode}):\n{stdout.Result}\n{stderr}");
        Console.WriteLine("Built " + dll);
    }
}
