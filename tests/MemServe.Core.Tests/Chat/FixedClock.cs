namespace MemServe.Core.Tests.Chat;

/// <summary>A clock stopped at one instant, in UTC, for <c>strftime_now</c>.</summary>
internal sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;
}
