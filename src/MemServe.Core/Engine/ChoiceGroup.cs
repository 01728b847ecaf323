using System.Threading.Channels;

namespace MemServe.Engine;

/// <summary>
/// The sequences of one <see cref="GenerationRequest.N"/> &gt; 1 request. Choice 0 is admitted and prefills the
/// prompt; when its prompt is computed the others fork from it (<see cref="Scheduler.Fork"/>: they share its full
/// prompt blocks and recompute only the partial last one) and sample their first token from the same logits.
/// All choices publish into one update channel, which closes after the last choice's final update (or the first
/// failure). The abandon flag and the error may be touched from any thread; the rest is engine-thread only.
/// </summary>
internal sealed class ChoiceGroup
{
    private int _abandoned;

    public ChoiceGroup(int count) => Choices = new Sequence[count];

    /// <summary>The choices by index; [0] is the one that prefills. Filled before admission, then fixed.</summary>
    public Sequence[] Choices { get; }

    /// <summary>Choices whose final update has not been published yet.</summary>
    public int Open { get; set; }

    /// <summary>True once choices 1.. have forked from choice 0.</summary>
    public bool Forked { get; set; }

    /// <summary>The channel every choice publishes into.</summary>
    public Channel<GenerationUpdate> Updates { get; } =
        Channel.CreateUnbounded<GenerationUpdate>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });

    /// <summary>The first failure of any choice; it ends the whole request.</summary>
    public Exception? Error { get; set; }

    /// <summary>The caller gave up on the request. Any thread.</summary>
    public bool IsAbandoned => Volatile.Read(ref _abandoned) != 0;

    /// <summary>Marks the request abandoned; true the first time. Any thread.</summary>
    public bool MarkAbandoned() => Interlocked.Exchange(ref _abandoned, 1) == 0;

    /// <summary>The seed of choice <paramref name="index"/> for a request seeded with <paramref name="seed"/>:
    /// choice 0 uses the seed itself (so N = 1 samples as before), the others a SplitMix64-style derivation.</summary>
    public static long DeriveSeed(long seed, int index)
    {
        if (index == 0) return seed;
        ulong z = unchecked((ulong)seed + (ulong)index * 0x9E3779B97F4A7C15UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return (long)(z ^ (z >> 31));
    }
}
