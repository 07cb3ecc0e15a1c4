using EdgeML.Build.Tests.Infrastructure;

namespace EdgeML.Build.Tests.Tasks;

/// <summary>
/// A tiny console program standing in for the worker, built once per distinct body, so the task's process
/// handling is tested against a real `dotnet exec`.
/// </summary>
internal sealed class FakeWorker : IDisposable
{
    public FakeWorker(string body)
    {
        Directory = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"edgeml-fake-worker-{Guid.NewGuid():N}");
        System.IO.Directory.CreateDirectory(Directory);
        File.WriteAllText(System.IO.Path.Combine(Directory, "FakeWorker.csproj"), """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <UseAppHost>false</UseAppHost>
              </PropertyGroup>
            </Project>
            """);
        File.WriteAllText(System.IO.Path.Combine(Directory, "Program.cs"), body);
        DotNet.Run(Directory, "build", "-nr:false", "-o", System.IO.Path.Combine(Directory, "bin")).AssertSucceeded("building the fake worker");
    }

    public string Directory { get; }

    public string Path => System.IO.Path.Combine(Directory, "bin", "FakeWorker.dll");

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}
