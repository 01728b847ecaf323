using MemServe.Core.Tests.Model;
using MemServe.Model;

namespace MemServe.Core.Tests.Integration;

/// <summary>Class fixture: the default model exported once as a Hugging Face folder.</summary>
public sealed class ExportedDefaultModel : IDisposable
{
    private readonly TempDirectory _dir = new();

    public ExportedDefaultModel() => DefaultModel.Export(_dir.Path);

    public string Path => _dir.Path;

    public void Dispose() => _dir.Dispose();
}
