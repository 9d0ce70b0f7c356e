namespace LlmPlatform.ChatTemplates.Tests;

/// <summary>A clock stopped at the instant make_goldens.py gives strftime_now, in a UTC "local" zone.</summary>
internal sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public static FixedClock GoldenInstant { get; } = new(new DateTimeOffset(2025, 3, 9, 14, 5, 7, TimeSpan.Zero));

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    public override DateTimeOffset GetUtcNow() => now;
}
