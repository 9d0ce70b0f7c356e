namespace LlmPlatform.ServiceDefaults;

/// <summary>The loop of a background service that works every tick until the host stops.</summary>
public static class PeriodicWork
{
    /// <summary>Waits for the next tick; false once <paramref name="stopping"/> fires, instead of throwing.</summary>
    public static async Task<bool> NextTickAsync(this PeriodicTimer timer, CancellationToken stopping)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stopping);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
