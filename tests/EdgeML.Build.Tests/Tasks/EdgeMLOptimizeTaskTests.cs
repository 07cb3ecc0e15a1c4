using EdgeML.Build.Tasks;
using Microsoft.Build.Utilities;

namespace EdgeML.Build.Tests.Tasks;

[TestClass]
public sealed class EdgeMLOptimizeTaskTests
{
    [TestMethod]
    public void AMissingWorkerIsAClearErrorNotACrash()
    {
        var engine = new FakeBuildEngine();
        var task = NewTask(engine, workerPath: "/no/such/edgeml.dll");

        Assert.IsFalse(task.Execute());

        var error = engine.Errors.Single();
        Assert.AreEqual("EDGEML5001", error.Code);
        StringAssert.Contains(error.Message, "/no/such/edgeml.dll");
    }

    [TestMethod]
    public void WorkerDiagnosticsBecomeMSBuildErrorsAndWarningsWithTheirLocation()
    {
        using var worker = new FakeWorker("""
            Console.WriteLine("/src/models/digits.edgeml.yaml(12,10): error EDGEML4001: accuracy gate failed");
            Console.WriteLine("/src/models/digits.edgeml.yaml(6,5): warning EDGEML2101: Gemm node 'fc3' stays in float");
            Console.WriteLine("EdgeML: digits: summary");
            return 1;
            """);
        var engine = new FakeBuildEngine();
        var task = NewTask(engine, worker.Path);

        Assert.IsFalse(task.Execute());

        var error = engine.Errors.Single();
        Assert.AreEqual(("EDGEML4001", "/src/models/digits.edgeml.yaml", 12, 10), (error.Code, error.File, error.LineNumber, error.ColumnNumber));
        var warning = engine.Warnings.Single();
        Assert.AreEqual(("EDGEML2101", 6, 5), (warning.Code, warning.LineNumber, warning.ColumnNumber));
        Assert.IsTrue(engine.Messages.Any(m => m.Message == "EdgeML: digits: summary"));
    }

    [TestMethod]
    public void AWorkerThatFailsSilentlyStillFailsTheBuildWithACode()
    {
        using var worker = new FakeWorker("return 3;");
        var engine = new FakeBuildEngine();

        Assert.IsFalse(NewTask(engine, worker.Path).Execute());

        Assert.AreEqual("EDGEML5002", engine.Errors.Single().Code);
    }

    [TestMethod]
    public void TheCommandLinePassesEveryRecipeAndSwitch()
    {
        using var worker = new FakeWorker("""
            File.WriteAllLines(Environment.GetEnvironmentVariable("EDGEML_FAKE_ARGS")!, args);
            return 0;
            """);
        var argsFile = System.IO.Path.Combine(worker.Directory, "args.txt");
        var engine = new FakeBuildEngine();
        var task = NewTask(engine, worker.Path);
        task.GenerateOnly = true;
        task.Recipes = [new TaskItem("/p/a b/x.edgeml.yaml"), new TaskItem("/p/y.edgeml.yaml")];
        task.EnvironmentVariables = [$"EDGEML_FAKE_ARGS={argsFile}"];

        Assert.IsTrue(task.Execute(), string.Join("\n", engine.Errors.Select(e => e.Message)));

        CollectionAssert.AreEqual(
            new[] { "optimize", "--output", "/out", "--cache", "/cache", "--namespace", "My.App", "--generate-only", "/p/a b/x.edgeml.yaml", "/p/y.edgeml.yaml" },
            File.ReadAllLines(argsFile));
    }

    private static EdgeMLOptimize NewTask(FakeBuildEngine engine, string workerPath) => new()
    {
        BuildEngine = engine,
        Recipes = [new TaskItem("/src/models/digits.edgeml.yaml")],
        OutputDirectory = "/out/",
        CacheDirectory = "/cache/",
        WorkerPath = workerPath,
        DefaultNamespace = "My.App",
    };
}
