using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;
using MemServe.Memory;

namespace MemServe.Model;

/// <summary>
/// One safetensors file, memory-mapped read-only. The header is validated strictly on open (see
/// <see cref="SafetensorsCheckpoint"/> for the rules); tensor bytes are never copied:
/// <see cref="TensorRef.Pointer"/> points into the map, valid until <see cref="Dispose"/>. The mapped
/// length is counted by <see cref="NativeMemoryTracker"/> while open. Reads are thread-safe;
/// dispose only when no reader remains.
/// </summary>
public sealed unsafe class SafetensorsFile : IDisposable
{
    /// <summary>Headers larger than this are rejected as corrupt.</summary>
    public const long MaxHeaderBytes = 100L * 1024 * 1024;

    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private readonly Dictionary<string, TensorRef> _tensors;
    private byte* _base;

    private SafetensorsFile(string path, MemoryMappedFile map, MemoryMappedViewAccessor view, byte* basePointer, long length)
    {
        Path = path;
        _map = map;
        _view = view;
        _base = basePointer;
        FileLength = length;
        _tensors = new Dictionary<string, TensorRef>(StringComparer.Ordinal);
        Metadata = new Dictionary<string, string>(StringComparer.Ordinal);
    }

    /// <summary>The file's path as given to <see cref="Open"/>.</summary>
    public string Path { get; }

    /// <summary>Size of the file (and of the map) in bytes.</summary>
    public long FileLength { get; }

    /// <summary>The header's <c>__metadata__</c> string pairs (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; private set; }

    /// <summary>Names of the tensors in this file.</summary>
    public IEnumerable<string> TensorNames => _tensors.Keys;

    /// <summary>Number of tensors in this file.</summary>
    public int TensorCount => _tensors.Count;

    /// <summary>Sum of the tensors' byte lengths.</summary>
    public long TotalBytes { get; private set; }

    /// <summary>Maps and validates <paramref name="path"/>.</summary>
    /// <exception cref="CheckpointFormatException">The file is missing, unreadable, truncated or corrupt; the message names it.</exception>
    public static SafetensorsFile Open(string path)
    {
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CheckpointFormatException($"Cannot open safetensors file '{path}': {ex.Message}", ex);
        }

        long length = stream.Length;
        if (length < 8)
        {
            stream.Dispose();
            throw new CheckpointFormatException($"'{path}' is {length} bytes long; a safetensors file needs at least the 8-byte header length.");
        }

        MemoryMappedFile map = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
        MemoryMappedViewAccessor view;
        try
        {
            view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
        }
        catch
        {
            map.Dispose();
            throw;
        }
        byte* pointer = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        var file = new SafetensorsFile(path, map, view, pointer + view.PointerOffset, length);
        NativeMemoryTracker.OnAllocated(length);
        try
        {
            file.ReadHeader();
        }
        catch
        {
            file.Dispose();
            throw;
        }
        return file;
    }

    /// <summary>Looks a tensor up by name.</summary>
    public bool TryGetTensor(string name, out TensorRef tensor)
    {
        ObjectDisposedException.ThrowIf(_base == null, this);
        return _tensors.TryGetValue(name, out tensor);
    }

    /// <summary>Unmaps the file. Pointers handed out become invalid.</summary>
    public void Dispose()
    {
        if (_base == null) return;
        _base = null;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _map.Dispose();
        NativeMemoryTracker.OnFreed(FileLength);
    }

    private void ReadHeader()
    {
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(new ReadOnlySpan<byte>(_base, 8));
        if (headerLength > MaxHeaderBytes)
        {
            throw new CheckpointFormatException(
                $"'{Path}': header length {headerLength} is absurd (limit {MaxHeaderBytes} bytes); the file is corrupt or not safetensors.");
        }
        if ((long)headerLength > FileLength - 8)
        {
            throw new CheckpointFormatException(
                $"'{Path}': header length {headerLength} runs past the end of the file ({FileLength} bytes); the file is truncated.");
        }

        byte[] header = new ReadOnlySpan<byte>(_base + 8, (int)headerLength).ToArray();
        long dataStart = 8 + (long)headerLength;
        long dataLength = FileLength - dataStart;
        var (entries, metadata) = SafetensorsHeader.Parse(header, dataLength, Path);
        foreach (SafetensorsEntry entry in entries)
        {
            var tensor = new TensorRef(entry.Name, entry.DType, entry.Shape, (nint)(_base + dataStart + entry.Begin), entry.End - entry.Begin);
            if (!_tensors.TryAdd(entry.Name, tensor))
            {
                throw new CheckpointFormatException($"'{Path}': tensor '{entry.Name}' appears twice in the header.");
            }
            TotalBytes += tensor.ByteLength;
        }
        Metadata = metadata;
    }
}
