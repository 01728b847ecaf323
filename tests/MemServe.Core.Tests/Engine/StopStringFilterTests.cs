using MemServe.Engine;

namespace MemServe.Core.Tests.Engine;

public class StopStringFilterTests
{
    [Fact]
    public void Text_that_may_start_a_stop_string_is_held_back()
    {
        var filter = new StopStringFilter(["END"]);

        Assert.Equal("hello ", filter.Push("hello E"));
        Assert.Equal("", filter.Push("N"));
        Assert.Equal("ENx", filter.Push("x"));
        Assert.False(filter.Stopped);
    }

    [Fact]
    public void The_earliest_stop_string_cuts_the_text()
    {
        var filter = new StopStringFilter(["xyz", "b"]);

        Assert.Equal("a", filter.Push("abxyz"));
        Assert.True(filter.Stopped);
        Assert.Equal("", filter.Push("more"));
        Assert.Equal("", filter.Flush());
    }

    [Fact]
    public void Flush_returns_held_text()
    {
        var filter = new StopStringFilter(["<|end|>"]);

        Assert.Equal("ok", filter.Push("ok<|e"));
        Assert.Equal("<|e", filter.Flush());
    }

    [Fact]
    public void A_repeated_prefix_is_held_until_it_can_no_longer_match()
    {
        var filter = new StopStringFilter(["aab"]);

        Assert.Equal("", filter.Push("aa"));
        Assert.Equal("a", filter.Push("a"));
        Assert.Equal("", filter.Push("b"));
        Assert.True(filter.Stopped);
    }
}
