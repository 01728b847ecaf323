namespace MemServe.Core.Tests.Runner;

/// <summary>Compares logit rows with a tolerance relative to their scale, and their greedy argmax.</summary>
public static class LogitAssert
{
    /// <summary>Asserts max |expected - actual| ≤ <paramref name="relative"/> × max(1, max |expected|) and equal argmax.</summary>
    public static void Close(float[] expected, float[] actual, double relative = 1e-3, string context = "")
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = 1, maxDiff = 0;
        foreach (float e in expected) scale = Math.Max(scale, Math.Abs(e));
        for (int i = 0; i < expected.Length; i++) maxDiff = Math.Max(maxDiff, Math.Abs(expected[i] - actual[i]));
        Assert.True(maxDiff <= relative * scale,
            $"{context}: max abs logit diff {maxDiff:G4} exceeds {relative} × scale {scale:G4}");
        Assert.Equal(ArgMax(expected), ArgMax(actual));
    }

    /// <summary>Index of the largest value.</summary>
    public static int ArgMax(float[] values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best]) best = i;
        }
        return best;
    }
}
