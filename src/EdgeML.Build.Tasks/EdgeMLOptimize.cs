using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace EdgeML.Build.Tasks;

/// <summary>
/// Runs the EdgeML worker (<c>dotnet exec edgeml.dll optimize …</c>) for the project's recipes. The worker
/// does the heavy work out of process, so ONNX Runtime never loads into an MSBuild node; it reports in
/// MSBuild's canonical <c>file(line,col): error EDGEML####: …</c> form, which this task turns into real
/// errors and warnings.
/// </summary>
public sealed class EdgeMLOptimize : ToolTask
{
    /// <summary>The recipe files (full paths).</summary>
    [Required]
    public ITaskItem[] Recipes { get; set; } = Array.Empty<ITaskItem>();

    /// <summary>Folder for compressed models, generated code and reports.</summary>
    [Required]
    public string OutputDirectory { get; set; } = string.Empty;

    /// <summary>Folder of the content-addressed result cache, shared by all target frameworks of the project.</summary>
    [Required]
    public string CacheDirectory { get; set; } = string.Empty;

    /// <summary>The worker assembly (<c>edgeml.dll</c>).</summary>
    [Required]
    public string WorkerPath { get; set; } = string.Empty;

    /// <summary>Namespace for generated classes whose recipe names none.</summary>
    public string? DefaultNamespace { get; set; }

    /// <summary>Only generate the inference classes (design-time builds).</summary>
    public bool GenerateOnly { get; set; }

    /// <summary>Also write a signed update package for each recipe that passes (docs/security.md).</summary>
    public bool SignUpdates { get; set; }

    /// <summary>The PEM private key to sign with; empty means the EDGEML_SIGNING_KEY environment variable. Only its path is passed on.</summary>
    public string? SigningKeyFile { get; set; }

    /// <summary>NuGet package folders, where the worker finds ONNX Runtime's native library for this machine.</summary>
    public string[] PackageFolders { get; set; } = Array.Empty<string>();

    /// <summary>The <c>dotnet</c> host to run the worker with; found automatically when empty.</summary>
    public string? DotNetHostPath { get; set; }

    protected override string ToolName => "dotnet";

    protected override MessageImportance StandardOutputLoggingImportance => MessageImportance.High;

    protected override bool ValidateParameters()
    {
        if (!File.Exists(WorkerPath))
        {
            Log.LogError(null, "EDGEML5001", null, null, 0, 0, 0, 0, "The EdgeML worker was not found at '{0}'. The EdgeML.Build package may be incomplete: clear it from the NuGet cache and restore again.", WorkerPath);
            return false;
        }

        return base.ValidateParameters();
    }

    protected override string GenerateFullPathToTool()
    {
        var host = DotNetHost.Find(DotNetHostPath);
        if (host is null)
        {
            Log.LogError(null, "EDGEML5001", null, null, 0, 0, 0, 0, "The 'dotnet' host was not found (looked at the EdgeMLDotNetHostPath property, DOTNET_HOST_PATH and PATH). Set EdgeMLDotNetHostPath to the full path of dotnet.");
            return ToolName;
        }

        return host;
    }

    protected override string GenerateCommandLineCommands()
    {
        var builder = new CommandLineBuilder();
        builder.AppendSwitch("exec");
        foreach (var folder in PackageFolders.Where(f => !string.IsNullOrWhiteSpace(f)))
        {
            builder.AppendSwitchIfNotNull("--additionalprobingpath ", folder.TrimEnd('/', '\\'));
        }

        builder.AppendFileNameIfNotNull(WorkerPath);
        builder.AppendSwitch("optimize");
        builder.AppendSwitchIfNotNull("--output ", OutputDirectory.TrimEnd('/', '\\'));
        builder.AppendSwitchIfNotNull("--cache ", CacheDirectory.TrimEnd('/', '\\'));
        if (!string.IsNullOrEmpty(DefaultNamespace))
        {
            builder.AppendSwitchIfNotNull("--namespace ", DefaultNamespace);
        }

        if (GenerateOnly)
        {
            builder.AppendSwitch("--generate-only");
        }

        if (SignUpdates)
        {
            builder.AppendSwitch("--sign");
            if (!string.IsNullOrEmpty(SigningKeyFile))
            {
                builder.AppendSwitchIfNotNull("--signing-key ", SigningKeyFile);
            }
        }

        builder.AppendFileNamesIfNotNull(Recipes.Select(r => r.GetMetadata("FullPath")).ToArray(), " ");
        return builder.ToString();
    }

    protected override bool HandleTaskExecutionErrors()
    {
        // The worker reports its own errors; only a worker that failed silently needs an error from us.
        if (!Log.HasLoggedErrors)
        {
            Log.LogError(null, "EDGEML5002", null, null, 0, 0, 0, 0, "The EdgeML worker exited with code {0} without reporting an error. Run the build with -v:detailed to see its output.", ExitCode);
        }

        return false;
    }
}
