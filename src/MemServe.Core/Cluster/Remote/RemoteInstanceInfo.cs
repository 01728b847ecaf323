using MemServe.Engine;
using MemServe.Model;

namespace MemServe.Cluster.Remote;

/// <summary>
/// What a host says about itself when a client connects (the <see cref="RemoteOp.HelloReply"/>): its instance
/// id and role, the model it serves and, when the host has them, the tokenizer files, so a client needs no
/// local copy of the model. Immutable.
/// </summary>
/// <param name="ProtocolVersion">The host's <see cref="RemoteProtocol.Version"/>; a client refuses another.</param>
/// <param name="InstanceId">The host's instance id.</param>
/// <param name="Role">The host's role.</param>
/// <param name="ModelInfo">The model the host serves.</param>
/// <param name="TokenizerJson">Hugging Face tokenizer.json text, or null when the host did not publish it.</param>
/// <param name="TokenizerConfigJson">tokenizer_config.json text, or null.</param>
public sealed record RemoteInstanceInfo(int ProtocolVersion, string InstanceId, InstanceRole Role, ModelInfo ModelInfo,
    string? TokenizerJson, string? TokenizerConfigJson)
{
    internal void Write(WireWriter w)
    {
        w.WriteByte((byte)RemoteOp.HelloReply);
        w.WriteInt32(ProtocolVersion);
        w.WriteString(InstanceId);
        w.WriteByte((byte)Role);
        w.WriteString(ModelInfo.Name);
        w.WriteString(ModelConfigWriter.ToConfigJson(ModelInfo.Config));
        w.WriteString(ModelConfigWriter.ToGenerationConfigJson(ModelInfo.Config));
        w.WriteInt64(ModelInfo.ParameterCount);
        w.WriteByte((byte)ModelInfo.WeightDType);
        w.WriteInt64(ModelInfo.WeightBytes);
        w.WriteByte((byte)ModelInfo.KernelPath);
        w.WriteString(ModelInfo.KernelDescription);
        w.WriteString(TokenizerJson);
        w.WriteString(TokenizerConfigJson);
    }

    internal static RemoteInstanceInfo Read(ReadOnlySpan<byte> payload)
    {
        var r = new WireReader(payload);
        if ((RemoteOp)r.ReadByte() != RemoteOp.HelloReply) RemoteThrowHelper.ThrowProtocol("expected a hello reply");
        int version = r.ReadInt32();
        string id = r.ReadString() ?? RemoteThrowHelper.ProtocolViolation<string>("null instance id");
        var role = (InstanceRole)r.ReadByte();
        if (!Enum.IsDefined(role)) RemoteThrowHelper.ThrowProtocol($"unknown role {(int)role}");
        string name = r.ReadString() ?? "";
        string configJson = r.ReadString() ?? RemoteThrowHelper.ProtocolViolation<string>("null config");
        string? generationJson = r.ReadString();
        long parameters = r.ReadInt64();
        var dtype = (DType)r.ReadByte();
        long weightBytes = r.ReadInt64();
        ModelConfig config = ModelConfigLoader.Parse(configJson, generationJson, $"config.json of remote instance {id}");
        var model = new ModelInfo(name, config, parameters, dtype, weightBytes);
        // Nothing past the model is read from another protocol version; the caller reports the mismatch.
        if (version != RemoteProtocol.Version) return new RemoteInstanceInfo(version, id, role, model, null, null);
        var kernelPath = (Compute.CpuKernelPath)r.ReadByte();
        if (!Enum.IsDefined(kernelPath)) RemoteThrowHelper.ThrowProtocol($"unknown CPU kernel path {(int)kernelPath}");
        string kernelDescription = r.ReadString() ?? "";
        string? tokenizer = r.ReadString();
        string? tokenizerConfig = r.ReadString();
        r.EnsureEnd();
        return new RemoteInstanceInfo(version, id, role, model with { KernelPath = kernelPath, KernelDescription = kernelDescription },
            tokenizer, tokenizerConfig);
    }
}
