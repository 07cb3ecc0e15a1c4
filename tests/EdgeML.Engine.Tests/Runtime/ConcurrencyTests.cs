using EdgeML.Engine.Tests.CodeGen;
using EdgeML.Runtime;

namespace EdgeML.Engine.Tests.Runtime;

/// <summary>One session serves runs from many threads at once, with the results of running them one by one.</summary>
[TestClass]
public sealed class ConcurrencyTests
{
    private const int Samples = 64;
    private const int Rounds = 32;

    [TestMethod]
    public void ConcurrentRunsIntoBuffersMatchSequentialOnes()
    {
        using var session = EdgeMLSession.FromBytes(TestModels.Classifier().Bytes());
        float[] Score(int sample)
        {
            var scores = new float[3];
            session.Run(0, Sample(sample, 4), [1, 4], 0, scores.AsSpan(), [1, 3]);
            return scores;
        }

        AssertConcurrentMatchesSequential(Score);
    }

    [TestMethod]
    public void ConcurrentRunsOfSeveralInputsMatchSequentialOnes()
    {
        using var session = EdgeMLSession.FromBytes(TestModels.TwoInputsTwoOutputs().Bytes());
        float[] Scale(int sample)
        {
            using var inputs = session.CreateInputs();
            inputs.Set(0, Sample(sample, 4), [1, 4]);
            inputs.Set(1, new long[] { sample, -sample }, [1, 2]);
            using var outputs = session.Run(inputs);
            return [.. outputs.ToArray<float>(0), .. outputs.ToArray<long>(1).Select(value => (float)value)];
        }

        AssertConcurrentMatchesSequential(Scale);
    }

    private static float[] Sample(int sample, int length) => Enumerable.Range(0, length).Select(i => MathF.Sin((sample * length) + i)).ToArray();

    private static void AssertConcurrentMatchesSequential(Func<int, float[]> run)
    {
        var sequential = Enumerable.Range(0, Samples).Select(run).ToArray();

        var concurrent = new float[Samples * Rounds][];
        Parallel.For(0, concurrent.Length, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i => concurrent[i] = run(i % Samples));

        for (var i = 0; i < concurrent.Length; i++)
        {
            CollectionAssert.AreEqual(sequential[i % Samples], concurrent[i], $"run {i}");
        }
    }
}
