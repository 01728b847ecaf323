using MemServe.Workload.Generators;
using MemServe.Workload.Scripts;
using MemServe.Workload.Traces;

namespace MemServe.Core.Tests.Workload;

public sealed class TraceWorkloadTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"trace-{Guid.NewGuid():N}.jsonl");

    public TraceWorkloadTests() => File.WriteAllLines(_path,
    [
        """{"timestamp": 0, "input_length": 1500, "output_length": 320, "hash_ids": [0, 1, 2]}""",
        """{"timestamp": 10, "input_length": 600, "output_length": 50, "hash_ids": [0, 9]}""",
        """{"timestamp": 500000, "input_length": 2000, "output_length": 64, "hash_ids": [0, 1, 2, 3]}""",
        """{"timestamp": 600000, "input_length": 700, "output_length": 10, "hash_ids": [5]}""",
    ]);

    public void Dispose() => File.Delete(_path);

    [Fact]
    public void EqualHashPrefixesGiveEqualTokenPrefixes()
    {
        List<MooncakeRequest> requests = MooncakeTrace.Read(_path);
        int[] first = MooncakeTrace.Prompt(requests[0], 16, 1024, 2233), third = MooncakeTrace.Prompt(requests[2], 16, 1024, 2233);
        int[] other = MooncakeTrace.Prompt(requests[1], 16, 1024, 2233);

        Assert.Equal(first, third[..first.Length]);
        Assert.Equal(first[..16], other[..16]);
        Assert.NotEqual(first[16..19], other[16..19]); // request 1 is ceil(600 / 32) = 19 tokens
    }

    [Fact]
    public void LengthsShrinkByTheBlockFactorWithinTheHashBlocks()
    {
        List<MooncakeRequest> requests = MooncakeTrace.Read(_path);

        Assert.Equal(47, MooncakeTrace.ScaledPromptLength(requests[0], 16, 1024)); // ceil(1500 / 32)
        Assert.Equal(16, MooncakeTrace.ScaledPromptLength(requests[3], 16, 1024)); // one hash block
        Assert.Equal(20, MooncakeTrace.ScaledPromptLength(requests[0], 16, 20));
    }

    [Fact]
    public void ConversationsBecomeSessionsWithScaledTimes()
    {
        WorkloadScript workload = TraceWorkload.Create(new TraceOptions { Path = _path, TimeFactor = 0.001 }, new GeneratorOptions());

        SessionScript session = Assert.Single(workload.Sessions); // only (0, 1) has two requests
        Assert.Equal(2, session.Turns.Count);
        Assert.Equal(TimeSpan.FromMilliseconds(500), session.Turns[1].NotBefore);
        Assert.Equal(10, session.Turns[0].OutputTokens); // 320 / 32
        Assert.Equal(63, session.Turns[1].NewTokens.Length); // ceil(2000 / 32)
    }
}
