using Microsoft.ML.OnnxRuntime;

namespace EdgeML.Runtime;

/// <summary>
/// A small lock-free pool of <see cref="BoundRun"/>s, so each concurrent caller gets its own binding and
/// buffers without allocating once the pool holds enough of them.
/// </summary>
internal sealed class BoundRunPool : IDisposable
{
    private readonly InferenceSession _session;

    // Slots taken and returned with compare-and-swap; a run returned to a full pool is simply disposed.
    private readonly BoundRun?[] _slots = new BoundRun?[Math.Max(4, Environment.ProcessorCount * 2)];

    public BoundRunPool(InferenceSession session) => _session = session;

    public BoundRun Rent()
    {
        for (var i = 0; i < _slots.Length; i++)
        {
            var run = Volatile.Read(ref _slots[i]);
            if (run is not null && Interlocked.CompareExchange(ref _slots[i], null, run) == run)
            {
                return run;
            }
        }

        return new BoundRun(_session);
    }

    public void Return(BoundRun run)
    {
        for (var i = 0; i < _slots.Length; i++)
        {
            if (Interlocked.CompareExchange(ref _slots[i], run, null) is null)
            {
                return;
            }
        }

        run.Dispose();
    }

    /// <summary>Disposes the pooled runs; call it only when no run is rented.</summary>
    public void Dispose()
    {
        for (var i = 0; i < _slots.Length; i++)
        {
            Interlocked.Exchange(ref _slots[i], null)?.Dispose();
        }
    }
}
