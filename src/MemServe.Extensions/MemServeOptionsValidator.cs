using System.Globalization;
using MemServe.Cluster;
using MemServe.Memory;
using Microsoft.Extensions.Options;

namespace MemServe.Extensions;

/// <summary>
/// Checks <see cref="MemServeOptions"/> when the host starts (or when an engine is first resolved without a
/// host). Every failure names the setting as it appears in configuration, e.g. <c>MemServe:MaxBatchTokens</c> or
/// <c>MemServe:Cluster:Routing</c>; a failed name check lists the allowed names.
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
        Check(options.KvCacheDType is null or Model.DType.F32 or Model.DType.BF16, nameof(options.KvCacheDType), "must be F32 or BF16", options.KvCacheDType);
        Check(options.MaxContextTokens is null or >= 2, nameof(options.MaxContextTokens), "must be at least 2", options.MaxContextTokens);
        Check(options.OverloadRetryAfterSeconds >= 0, nameof(options.OverloadRetryAfterSeconds), "must be 0 or more", options.OverloadRetryAfterSeconds);
        ValidatePrefixCache(options.PrefixCache, Check);
        ValidateCluster(options.Cluster, Check);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private delegate void Checker(bool ok, string field, string rule, object? value);

    private static void ValidatePrefixCache(MemServePrefixCacheOptions? cache, Checker check)
    {
        const string P = nameof(MemServeOptions.PrefixCache) + ":";
        check(cache is not null, nameof(MemServeOptions.PrefixCache), "must be set", null);
        if (cache is null) return;
        check(cache.HostMegabytes is >= 0 and < (1L << 43), P + nameof(cache.HostMegabytes), "must be 0 (no host tier) or more, below 2^43", cache.HostMegabytes);
        check(cache.DiskMegabytes is >= 0 and < (1L << 43), P + nameof(cache.DiskMegabytes), "must be 0 or more, below 2^43", cache.DiskMegabytes);
        check(cache.DiskDirectory is null || !string.IsNullOrWhiteSpace(cache.DiskDirectory), P + nameof(cache.DiskDirectory),
            "must be a folder or unset for no disk tier", $"'{cache.DiskDirectory}'");
        check(IsOneOf(cache.EvictionPolicy, [EvictionPolicies.Lru, EvictionPolicies.Lfu, EvictionPolicies.Fifo]), P + nameof(cache.EvictionPolicy),
            $"must be one of {EvictionPolicies.Lru}, {EvictionPolicies.Lfu}, {EvictionPolicies.Fifo}", cache.EvictionPolicy);
    }

    private static void ValidateCluster(MemServeClusterOptions? cluster, Checker check)
    {
        const string C = nameof(MemServeOptions.Cluster) + ":";
        check(cluster is not null, nameof(MemServeOptions.Cluster), "must be set", null);
        if (cluster is null) return;
        List<string> endpoints = cluster.RemoteEndpoints ?? [];
        check(cluster.Instances >= 0, C + nameof(cluster.Instances), "must be 0 or 1 (one engine) or more (a cluster)", cluster.Instances);
        check(cluster.Disaggregation is null || IsOneOf(cluster.Disaggregation, DisaggregationStrategies.Names), C + nameof(cluster.Disaggregation),
            $"must be one of {string.Join(", ", DisaggregationStrategies.Names)}", cluster.Disaggregation);
        check(cluster.Routing is null || IsOneOf(cluster.Routing, RoutingPolicies.Names), C + nameof(cluster.Routing),
            $"must be one of {string.Join(", ", RoutingPolicies.Names)}", cluster.Routing);
        foreach (string endpoint in endpoints)
            check(IsHostPort(endpoint), C + nameof(cluster.RemoteEndpoints), "entries must be HOST:PORT with a port in 1..65535", $"'{endpoint}'");
        check(cluster.Instances < 2 || endpoints.Count == 0, C + nameof(cluster.Instances),
            $"must be 0 or 1 when {C}{nameof(cluster.RemoteEndpoints)} are set (in-process and remote instances do not mix)", cluster.Instances);
        check(cluster.IsCluster || (cluster.Disaggregation is null && cluster.Routing is null), C + nameof(cluster.Instances),
            "must be at least 2 (or RemoteEndpoints set) when Disaggregation or Routing is set", cluster.Instances);
        bool pd = cluster.Disaggregation is not null && IsOneOf(cluster.Disaggregation, DisaggregationStrategies.Names) && cluster.IsDisaggregated;
        check(!pd || cluster.Instances >= 2 || endpoints.Count >= 2, C + nameof(cluster.Disaggregation),
            "needs at least 2 in-process instances or 2 remote endpoints (one prefill, one decode)", cluster.Disaggregation);
    }

    private static bool IsOneOf(string? name, IReadOnlyList<string> names)
    {
        if (name is null) return false;
        foreach (string allowed in names)
            if (string.Equals(name, allowed, StringComparison.OrdinalIgnoreCase)) return true;
        return false;
    }

    private static bool IsHostPort(string? endpoint)
    {
        string text = endpoint?.Trim() ?? "";
        int colon = text.LastIndexOf(':');
        return colon > 0 && int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int port) && port is >= 1 and <= 65535;
    }
}
