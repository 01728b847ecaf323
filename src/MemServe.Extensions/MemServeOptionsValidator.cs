using Microsoft.Extensions.Options;

namespace MemServe.Extensions;

/// <summary>
/// Checks <see cref="MemServeOptions"/> when the host starts (or when an engine is first resolved without a
/// host). Every failure names the setting as it appears in configuration, e.g. <c>MemServe:MaxBatchTokens</c>.
/// </summary>
internal sealed class MemServeOptionsValidator : IValidateOptions<MemServeOptions>
{
    public ValidateOptionsResult Validate(string? name, MemServeOptions options)
    {
        string section = string.IsNullOrEmpty(name) ? MemServeOptions.SectionName : $"{MemServeOptions.SectionName}:{name}";
        var failures = new List<string>();
        void Check(bool ok, string field, string rule, object? value)
        {
            if (!ok) failures.Add($"{section}:{field} {rule} (got {value ?? "null"}).");
        }

        if (options.ModelPath is { } path)
        {
            Check(path.Length > 0, nameof(options.ModelPath), "must be a model folder or unset for the default model", "''");
            if (path.Length > 0)
            {
                Check(Directory.Exists(path), nameof(options.ModelPath), "must be an existing folder", path);
                if (Directory.Exists(path))
                    Check(File.Exists(Path.Combine(path, "config.json")), nameof(options.ModelPath), "must contain config.json", path);
            }
        }
        if (options.MemoryBudgetBytes is not null && options.MemoryBudgetMegabytes is not null)
        {
            failures.Add($"{section}:{nameof(options.MemoryBudgetBytes)} and {section}:{nameof(options.MemoryBudgetMegabytes)} " +
                         "are both set; set one of them.");
        }
        Check(options.MemoryBudgetBytes is null or > 0, nameof(options.MemoryBudgetBytes), "must be positive", options.MemoryBudgetBytes);
        Check(options.MemoryBudgetMegabytes is null or (> 0 and < (1L << 43)), nameof(options.MemoryBudgetMegabytes),
            "must be positive and below 2^43", options.MemoryBudgetMegabytes);
        Check(options.Threads is null or >= 0, nameof(options.Threads), "must be 0 (one per core) or more", options.Threads);
        Check(options.MaxBatchTokens is null or > 0, nameof(options.MaxBatchTokens), "must be at least 1", options.MaxBatchTokens);
        Check(options.MaxRunningSequences is null or > 0, nameof(options.MaxRunningSequences), "must be at least 1", options.MaxRunningSequences);
        Check(options.AdmissionQueueCapacity is null or > 0, nameof(options.AdmissionQueueCapacity), "must be at least 1", options.AdmissionQueueCapacity);
        Check(options.BlockTokens is null or > 0, nameof(options.BlockTokens), "must be at least 1", options.BlockTokens);
        Check(options.MaxKvBlocks is null or > 0, nameof(options.MaxKvBlocks), "must be at least 1", options.MaxKvBlocks);
        Check(options.MaxContextTokens is null or >= 2, nameof(options.MaxContextTokens), "must be at least 2", options.MaxContextTokens);
        Check(options.OverloadRetryAfterSeconds >= 0, nameof(options.OverloadRetryAfterSeconds), "must be 0 or more", options.OverloadRetryAfterSeconds);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
