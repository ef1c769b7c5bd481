using System.Runtime.CompilerServices;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Formatting;
using Microsoft.FSharp.Core;
using Plotly.NET;

namespace VaeCourse.Interactive;

/// <summary>
/// Loaded by the .NET Interactive kernel from the VaeCourse package's interactive-extensions/dotnet folder when a
/// notebook says <c>#r "nuget: VaeCourse"</c>, it does what the course notebooks' setup cells do, so that nothing else
/// is needed: loads TorchSharp's native library from the NuGet cache (<see cref="TorchNative.Preload"/>, a patched copy
/// where the host's libstdc++ is older), runs <see cref="Course.Setup"/> (FSharp.Core redirect, seed, threads),
/// shows Plotly.NET charts as HTML and displays the local plotly.js once (<see cref="Charts.OfflinePlotlyHtml"/>), so
/// that the charts need no network.
/// </summary>
public sealed class KernelExtension : IKernelExtension
{
    /// <inheritdoc />
    public Task OnLoadAsync(Kernel kernel)
    {
        TorchNative.Preload();
        Course.Setup();
        RegisterChartFormatter(); // a separate method: its Plotly.NET types need the FSharp.Core redirect Setup installs
        // plotly.js once, in the output of the #r that loaded this extension, so the charts draw with no network.
        KernelInvocationContext.Current?.DisplayAs(Charts.OfflinePlotlyHtml(), HtmlFormatter.MimeType);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Shows a chart as Plotly.NET.Interactive 6.0.0 does: its HTML with plotly.js loaded through require.js from the
    /// plotly.js version this Plotly.NET writes for (the notebook hosts have require.js; a bare Plotly global they lack).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void RegisterChartFormatter()
    {
        var cdn = PlotlyJSReference.NewRequire($"https://cdn.plot.ly/plotly-{Globals.PLOTLYJS_VERSION}.min");
        var require = DisplayOptions.init(null, null, null, null, null, null, FSharpOption<PlotlyJSReference>.Some(cdn));
        Formatter.Register<GenericChart>((chart, writer) => writer.Write(GenericChart.toChartHTML(GenericChart.addDisplayOptions(require, chart))), HtmlFormatter.MimeType);
    }
}
