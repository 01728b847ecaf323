namespace MemServe.Model;

/// <summary>
/// A Hugging Face safetensors checkpoint directory: either one <c>model.safetensors</c>, or shards listed
/// by <c>model.safetensors.index.json</c> (<c>weight_map</c>: tensor name → shard file). Every file is
/// memory-mapped read-only and validated strictly on open:
/// <list type="bullet">
/// <item>the file holds at least the 8-byte header length, and the header (≤ 100 MB) lies inside it;</item>
/// <item>the header is a JSON object whose entries (except <c>__metadata__</c>) have dtype, shape and data_offsets;</item>
/// <item>dtype is F32, F16 or BF16; dims are non-negative; offsets lie inside the data section with begin ≤ end;</item>
/// <item>elements × dtype size equals the byte length; no two tensors overlap (gaps are allowed);</item>
/// <item>sharded: every shard named exists, every listed tensor is in its shard, no tensor is in two shards.</item>
/// </list>
/// Any violation is a <see cref="CheckpointFormatException"/> naming the file and tensor. Tensor pointers
/// point into the maps and stay valid until <see cref="Dispose"/>. Thread-safe for concurrent reads. A runner that
/// packs or quantizes the matrices drops its pages of the originals once copied (they read back from the file).
/// </summary>
public sealed class SafetensorsCheckpoint : ITensorSource, IMappedTensorSource
{
    /// <summary>The single-file checkpoint name.</summary>
    public const string SingleFileName = "model.safetensors";

    private readonly List<SafetensorsFile> _files;
    private readonly Dictionary<string, TensorRef> _tensors;
    private bool _disposed;

    private SafetensorsCheckpoint(string directory, List<SafetensorsFile> files, Dictionary<string, TensorRef> tensors)
    {
        Directory = directory;
        _files = files;
        _tensors = tensors;
        foreach (TensorRef tensor in tensors.Values) TotalBytes += tensor.ByteLength;
    }

    /// <summary>The checkpoint directory.</summary>
    public string Directory { get; }

    /// <summary>The mapped files (one, or one per shard).</summary>
    public IReadOnlyList<SafetensorsFile> Files => _files;

    /// <inheritdoc />
    public IEnumerable<string> TensorNames => _tensors.Keys;

    /// <inheritdoc />
    public long TotalBytes { get; }

    /// <summary>Opens the checkpoint in <paramref name="directory"/>.</summary>
    /// <exception cref="CheckpointFormatException">No checkpoint file is there, or a file is corrupt; the message names it.</exception>
    public static SafetensorsCheckpoint Open(string directory)
    {
        string indexPath = Path.Combine(directory, SafetensorsIndex.FileName);
        if (File.Exists(indexPath)) return OpenSharded(directory, indexPath);

        string singlePath = Path.Combine(directory, SingleFileName);
        if (!File.Exists(singlePath))
        {
            throw new CheckpointFormatException(
                $"No checkpoint in '{directory}': neither {SingleFileName} nor {SafetensorsIndex.FileName} exists.");
        }
        SafetensorsFile file = SafetensorsFile.Open(singlePath);
        var tensors = new Dictionary<string, TensorRef>(StringComparer.Ordinal);
        foreach (string name in file.TensorNames)
        {
            file.TryGetTensor(name, out TensorRef tensor);
            tensors.Add(name, tensor);
        }
        return new SafetensorsCheckpoint(directory, [file], tensors);
    }

    /// <inheritdoc />
    public bool TryGetTensor(string name, out TensorRef tensor)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _tensors.TryGetValue(name, out tensor);
    }

    /// <summary>Unmaps every file; tensor pointers become invalid.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (SafetensorsFile file in _files) file.Dispose();
    }

    private static SafetensorsCheckpoint OpenSharded(string directory, string indexPath)
    {
        List<KeyValuePair<string, string>> weightMap = SafetensorsIndex.ReadWeightMap(indexPath);
        var files = new List<SafetensorsFile>();
        try
        {
            var byShard = new Dictionary<string, SafetensorsFile>(StringComparer.Ordinal);
            var tensors = new Dictionary<string, TensorRef>(StringComparer.Ordinal);
            var owner = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (_, shard) in weightMap)
            {
                if (byShard.ContainsKey(shard)) continue;
                string shardPath = Path.Combine(directory, shard);
                if (!File.Exists(shardPath))
                {
                    throw new CheckpointFormatException($"'{indexPath}' names shard '{shard}', but '{shardPath}' does not exist.");
                }
                SafetensorsFile file = SafetensorsFile.Open(shardPath);
                files.Add(file);
                byShard.Add(shard, file);
                foreach (string name in file.TensorNames)
                {
                    if (owner.TryGetValue(name, out string? first))
                    {
                        throw new CheckpointFormatException($"Tensor '{name}' appears in two shards: '{first}' and '{shard}'.");
                    }
                    owner.Add(name, shard);
                    file.TryGetTensor(name, out TensorRef tensor);
                    tensors.Add(name, tensor);
                }
            }
            foreach (var (name, shard) in weightMap)
            {
                if (!byShard[shard].TryGetTensor(name, out _))
                {
                    throw new CheckpointFormatException(
                        $"'{indexPath}' maps tensor '{name}' to '{shard}', but that shard has no such tensor.");
                }
            }
            return new SafetensorsCheckpoint(directory, files, tensors);
        }
        catch
        {
            foreach (SafetensorsFile file in files) file.Dispose();
            throw;
        }
    }
}
