using System.Diagnostics;
using System.Text;

namespace EdgeML.Build.Tests.Infrastructure;

/// <summary>The outcome of a finished process: exit code and interleaved output.</summary>
internal sealed record ProcessResult(int ExitCode, string Output)
{
    public ProcessResult AssertSucceeded(string what)
    {
        Assert.AreEqual(0, ExitCode, $"{what} failed with exit code {ExitCode}:\n{Output}");
        return this;
    }
}

/// <summary>
/// Runs a command to completion with a hard time limit, capturing stdout and stderr together. In
/// <c>environment</c>, a null value removes the variable.
/// </summary>
internal static class ProcessRunner
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(8);

    public static ProcessResult Run(string fileName, IEnumerable<string> arguments, string workingDirectory, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                start.Environment.Remove(key);
            }
            else
            {
                start.Environment[key] = value;
            }
        }

        var output = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(Limit))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"'{fileName} {string.Join(' ', arguments)}' did not finish within {Limit}:\n{output}");
        }

        process.WaitForExit();
        lock (output)
        {
            return new ProcessResult(process.ExitCode, output.ToString());
        }
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }
}
