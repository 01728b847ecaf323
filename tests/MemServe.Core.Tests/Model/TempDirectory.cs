using System.Buffers.Binary;
using System.Text;

namespace MemServe.Core.Tests.Model;

/// <summary>A fresh directory under the system temp folder, deleted with its contents on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "memserve-test-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    /// <summary>The full path of <paramref name="name"/> inside the directory.</summary>
    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Writes <paramref name="text"/> to <paramref name="name"/> and returns its path.</summary>
    public string WriteText(string name, string text)
    {
        string path = File(name);
        System.IO.File.WriteAllText(path, text);
        return path;
    }

    /// <summary>
    /// Writes a hand-made safetensors file: the 8-byte length of <paramref name="header"/>, the header,
    /// then <paramref name="dataBytes"/> bytes of data (0, 1, 2, ...). Returns its path.
    /// </summary>
    public string WriteRawSafetensors(string name, string header, int dataBytes, ulong? declaredHeaderLength = null)
    {
        byte[] headerBytes = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + headerBytes.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, declaredHeaderLength ?? (ulong)headerBytes.Length);
        headerBytes.CopyTo(bytes, 8);
        for (int i = 0; i < dataBytes; i++) bytes[8 + headerBytes.Length + i] = (byte)i;
        string path = File(name);
        System.IO.File.WriteAllBytes(path, bytes);
        return path;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover temp folder must not fail a test.
        }
    }
}
