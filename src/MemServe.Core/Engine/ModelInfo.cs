using MemServe.Compute;
using MemServe.Model;

namespace MemServe.Engine;

/// <summary>What an engine serves. Immutable.</summary>
/// <param name="Name">Display name (<see cref="LlmEngineOptions.ModelName"/>, else the model type).</param>
/// <param name="Config">The architecture.</param>
/// <param name="ParameterCount">Elements over all weight tensors.</param>
/// <param name="WeightDType">The dtype holding most weight bytes.</param>
/// <param name="WeightBytes">Bytes of all weight tensors as stored.</param>
public sealed record ModelInfo(string Name, ModelConfig Config, long ParameterCount, DType WeightDType, long WeightBytes)
{
    /// <summary>The CPU kernel set this process runs the model's CPU layers on (<see cref="CpuKernels.Path"/>).</summary>
    public CpuKernelPath KernelPath { get; init; } = CpuKernels.Path;

    /// <summary><see cref="KernelPath"/> with the instruction sets it uses (<see cref="CpuKernels.Description"/>).</summary>
    public string KernelDescription { get; init; } = CpuKernels.Description;

    /// <summary>Describes <paramref name="weights"/> (or, when null, nothing but the config).</summary>
    public static ModelInfo Describe(string? name, ModelConfig config, ITensorSource? weights)
    {
        ArgumentNullException.ThrowIfNull(config);
        long parameters = 0, bytes = 0;
        var bytesByDType = new long[3];
        if (weights is not null)
        {
            foreach (string tensorName in weights.TensorNames)
            {
                if (!weights.TryGetTensor(tensorName, out TensorRef tensor)) continue;
                parameters += tensor.ElementCount;
                bytes += tensor.ByteLength;
                bytesByDType[(int)tensor.DType] += tensor.ByteLength;
            }
        }
        var dtype = DType.F32;
        for (int d = 1; d < bytesByDType.Length; d++) if (bytesByDType[d] > bytesByDType[(int)dtype]) dtype = (DType)d;
        return new ModelInfo(string.IsNullOrEmpty(name) ? config.ModelType : name, config, parameters, dtype, bytes);
    }
}
