using MemServe.Workload.Generators;
using MemServe.Workload.Scripts;

namespace MemServe.Core.Tests.Workload;

public sealed class GeneratorTests
{
    private static readonly GeneratorOptions Options = new() { VocabSize = 2233, ContextTokens = 2048 };

    public static TheoryData<string> Generators => ["sharegpt", "loogle", "react"];

    private static WorkloadScript Create(string name, GeneratorOptions options) => name switch
    {
        "sharegpt" => ShareGptGenerator.Create(options),
        "loogle" => LooGleGenerator.Create(options),
        _ => ReActGenerator.Create(options),
    };

    [Theory]
    [MemberData(nameof(Generators))]
    public void SameSeedGivesTheSameWorkload(string name)
    {
        WorkloadScript first = Create(name, Options), second = Create(name, Options);

        Assert.Equal(Flatten(first), Flatten(second));
    }

    [Theory]
    [MemberData(nameof(Generators))]
    public void OtherSeedGivesAnotherWorkload(string name)
    {
        WorkloadScript first = Create(name, Options), second = Create(name, Options with { Seed = 7 });

        Assert.NotEqual(Flatten(first), Flatten(second));
    }

    [Theory]
    [MemberData(nameof(Generators))]
    public void TokensAndLengthsFitTheModel(string name)
    {
        WorkloadScript workload = Create(name, Options);

        Assert.InRange(workload.LongestPromptTokens, 1, Options.ContextTokens);
        foreach (SessionScript session in workload.Sessions)
            foreach (TurnScript turn in session.Turns)
                Assert.All(turn.NewTokens, t => Assert.InRange(t, TokenSource.DefaultFirstTokenId, Options.VocabSize - 1));
    }

    [Theory]
    [MemberData(nameof(Generators))]
    public void SessionsArriveInOrder(string name)
    {
        WorkloadScript workload = Create(name, Options);

        for (int s = 1; s < workload.Sessions.Count; s++)
            Assert.True(workload.Sessions[s].Start >= workload.Sessions[s - 1].Start);
    }

    [Fact]
    public void ScaleMultipliesSessions()
    {
        Assert.Equal(2 * ShareGptGenerator.Sessions, ShareGptGenerator.Create(Options with { Scale = 2 }).Sessions.Count);
    }

    [Fact]
    public void LooGleDocumentIsSharedByShareRatioSessions()
    {
        WorkloadScript workload = LooGleGenerator.Create(Options);
        var readers = new Dictionary<string, int>();
        foreach (SessionScript session in workload.Sessions)
        {
            Assert.False(session.CarriesHistory);
            string document = string.Join(',', session.Turns[0].NewTokens.Take(LooGleGenerator.DocumentTokens));
            foreach (TurnScript turn in session.Turns)
                Assert.Equal(document, string.Join(',', turn.NewTokens.Take(LooGleGenerator.DocumentTokens)));
            readers[document] = readers.GetValueOrDefault(document) + 1;
        }

        Assert.Equal(LooGleGenerator.Documents, readers.Count);
        Assert.All(readers.Values, count => Assert.Equal(LooGleGenerator.ShareRatio, count));
    }

    [Fact]
    public void ReActSessionsStartWithTheSameFewShotPrefix()
    {
        WorkloadScript workload = ReActGenerator.Create(Options);
        int[] prefix = workload.Sessions[0].Turns[0].NewTokens[..ReActGenerator.FewShotTokens];

        Assert.All(workload.Sessions, session =>
        {
            Assert.True(session.CarriesHistory);
            Assert.Equal(prefix, session.Turns[0].NewTokens[..ReActGenerator.FewShotTokens]);
        });
    }

    private static string Flatten(WorkloadScript workload) =>
        string.Join('|', workload.Sessions.Select(s =>
            $"{s.Id}@{s.Start.Ticks}:" + string.Join(';', s.Turns.Select(t => $"{t.OutputTokens}/{t.ThinkTime.Ticks}/{string.Join(',', t.NewTokens)}"))));
}
