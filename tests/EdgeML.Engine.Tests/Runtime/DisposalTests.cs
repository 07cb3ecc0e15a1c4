using EdgeML.Engine.Tests.CodeGen;
using EdgeML.Runtime;

namespace EdgeML.Engine.Tests.Runtime;

[TestClass]
public sealed class DisposalTests
{
    private static readonly float[] Pixels = [0.3f, -1.2f, 2.5f, 0.7f];

    [TestMethod]
    public void DisposeWaitsForTheRunInFlight()
    {
        // The caller's fallback runs inside the run, so it holds the run open until the test lets it go.
        using var entered = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var session = EdgeMLSession.FromBytes(RuntimeTestModels.FailsAtRunTime());
        var run = Task.Run(() =>
        {
            var scores = new float[3];
            session.Run(0, Pixels, [1, 4], 0, scores.AsSpan(), [1, 3], (_, output) =>
            {
                entered.Set();
                release.Wait();
                output.Fill(1f);
            });
            return scores;
        });
        Assert.IsTrue(entered.Wait(TimeSpan.FromSeconds(30)));

        var dispose = Task.Run(session.Dispose);

        Assert.IsFalse(dispose.Wait(TimeSpan.FromMilliseconds(300)), "Dispose returned while a run was in flight");
        release.Set();
        Assert.IsTrue(dispose.Wait(TimeSpan.FromSeconds(30)));
        CollectionAssert.AreEqual(new[] { 1f, 1f, 1f }, run.Result);
    }

    [TestMethod]
    public void CallsAfterDisposeThrow()
    {
        var session = EdgeMLSession.FromBytes(TestModels.Classifier().Bytes());
        session.Dispose();
        session.Dispose();

        Assert.ThrowsExactly<ObjectDisposedException>(() => session.Run(0, Pixels, [1, 4], 0, new float[3].AsSpan(), [1, 3]));
        Assert.ThrowsExactly<ObjectDisposedException>(() => session.Run(session.CreateInputs()));
        Assert.ThrowsExactly<ObjectDisposedException>(session.Warmup);
    }

    [TestMethod]
    public void ConcurrentRunsRacingDisposeEitherFinishOrSeeItDisposed()
    {
        var session = EdgeMLSession.FromBytes(TestModels.Classifier().Bytes());
        var outcomes = new int[2];
        var runners = Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            var scores = new float[3];
            for (var i = 0; i < 2_000; i++)
            {
                try
                {
                    session.Run(0, Pixels, [1, 4], 0, scores.AsSpan(), [1, 3]);
                    Interlocked.Increment(ref outcomes[0]);
                }
                catch (ObjectDisposedException)
                {
                    Interlocked.Increment(ref outcomes[1]);
                }
            }
        })).ToArray();

        Thread.Sleep(20);
        session.Dispose();
        Task.WaitAll(runners);

        Assert.AreEqual(4 * 2_000, outcomes[0] + outcomes[1]);
    }
}
