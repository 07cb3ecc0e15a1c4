namespace EdgeML.Runtime;

/// <summary>
/// Counts the calls in flight so that disposal can wait for them, and turns calls away once disposal has begun.
/// Two interlocked operations per call: cheaper than a lock and allocation-free.
/// </summary>
internal sealed class CallGate
{
    private int _inFlight;
    private int _closed;

    /// <summary>Admits a call; pair it with <see cref="Exit"/>.</summary>
    /// <exception cref="ObjectDisposedException">The gate is closed.</exception>
    public void Enter()
    {
        // Increment before checking: Close sets the flag before it reads the count, so one of the two sees the other.
        Interlocked.Increment(ref _inFlight);
        if (Volatile.Read(ref _closed) != 0)
        {
            Exit();
            throw new ObjectDisposedException(nameof(EdgeMLSession));
        }
    }

    public void Exit() => Interlocked.Decrement(ref _inFlight);

    /// <summary>Turns new calls away and waits for those in flight; <see langword="false"/> when already closed.</summary>
    public bool Close()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return false;
        }

        var wait = default(SpinWait);
        while (Volatile.Read(ref _inFlight) != 0)
        {
            wait.SpinOnce();
        }

        return true;
    }
}
