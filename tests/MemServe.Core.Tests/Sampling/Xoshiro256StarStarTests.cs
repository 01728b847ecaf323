using MemServe.Sampling;

namespace MemServe.Core.Tests.Sampling;

public class Xoshiro256StarStarTests
{
    [Fact]
    public void The_same_seed_gives_the_same_sequence_and_another_seed_another()
    {
        var a = new Xoshiro256StarStar(42);
        var b = new Xoshiro256StarStar(42);
        var c = new Xoshiro256StarStar(43);
        for (int i = 0; i < 100; i++)
        {
            ulong x = a.NextUInt64();
            Assert.Equal(x, b.NextUInt64());
            Assert.NotEqual(x, c.NextUInt64());
        }
    }

    [Fact]
    public void Doubles_are_in_the_unit_interval_with_a_plausible_mean()
    {
        var rng = new Xoshiro256StarStar(1);
        double sum = 0;
        for (int i = 0; i < 10_000; i++)
        {
            double d = rng.NextDouble();
            Assert.InRange(d, 0.0, 0.9999999999999999);
            sum += d;
        }
        Assert.InRange(sum / 10_000, 0.48, 0.52);
    }
}
