namespace MemServe.Core.Tests;

/// <summary>Locates the shared test data that sits beside the repository (<c>&lt;repo&gt;/../shared</c>), or in
/// <c>MEMSERVE_SHARED_DIR</c>.</summary>
public static class TestData
{
    private static readonly Lazy<string> Shared = new(FindSharedDir);

    /// <summary>The <c>shared</c> directory: the first ancestor-or-sibling that holds <c>testdata/tokenizers</c>.</summary>
    public static string SharedDir => Shared.Value;

    /// <summary><c>shared/testdata/tokenizers</c>.</summary>
    public static string Tokenizers => Path.Combine(SharedDir, "testdata", "tokenizers");

    private static string FindSharedDir()
    {
        // Set by .ci/run for a clone that does not sit beside shared/.
        if (Environment.GetEnvironmentVariable("MEMSERVE_SHARED_DIR") is { Length: > 0 } configured
            && Directory.Exists(Path.Combine(configured, "testdata", "tokenizers")))
        {
            return configured;
        }
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (Directory.Exists(Path.Combine(dir.FullName, "testdata", "tokenizers")))
                return dir.FullName;
            string candidate = Path.Combine(dir.FullName, "shared");
            if (Directory.Exists(Path.Combine(candidate, "testdata", "tokenizers")))
                return candidate;
        }
        throw new DirectoryNotFoundException($"no shared/testdata/tokenizers above {AppContext.BaseDirectory}");
    }
}
