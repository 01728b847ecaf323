using System.CommandLine;
using System.Globalization;
using MemServe.Compute;
using MemServe.Engine;
using MemServe.Memory;
using MemServe.Model;

namespace MemServe.Cli.Commands;

/// <summary><c>memserve info [--model DIR] [--json]</c>: configuration, parameter count, dtype and memory use.</summary>
internal static class InfoCommand
{
    /// <summary>The <c>info</c> command, writing to <paramref name="output"/>.</summary>
    public static Command Create(TextWriter output)
    {
        Option<string?> model = EngineOptions.Model();
        Option<bool> json = EngineOptions.Json("Print one JSON object instead of text");
        var command = new Command("info", "The model's configuration, parameter count, dtype, memory use and the CPU kernel path") { model, json };
        command.SetAction(r => Run(r.GetValue(model), r.GetValue(json), output));
        return command;
    }

    private static int Run(string? directory, bool json, TextWriter output)
    {
        using LoadedModel model = LoadedModel.Load(directory);
        ModelConfig c = model.Config;
        long parameters = model.ParameterCount;
        DType kv = new LlmEngineOptions().ResolveKvCacheDType(model.WeightDType);
        if (json)
        {
            JsonOut.Line(output, w =>
            {
                w.WriteString("name", model.Name);
                w.WriteString("model_type", c.ModelType);
                w.WriteNumber("parameters", parameters);
                w.WriteString("dtype", model.WeightDType.SafetensorsName());
                w.WriteNumber("weights_bytes", model.Weights.TotalBytes);
                w.WriteNumber("hidden_size", c.HiddenSize);
                w.WriteNumber("intermediate_size", c.IntermediateSize);
                w.WriteNumber("num_hidden_layers", c.NumLayers);
                w.WriteNumber("num_attention_heads", c.NumHeads);
                w.WriteNumber("num_key_value_heads", c.NumKvHeads);
                w.WriteNumber("head_dim", c.HeadDim);
                w.WriteNumber("vocab_size", c.VocabSize);
                w.WriteNumber("max_position_embeddings", c.MaxPositionEmbeddings);
                w.WriteString("kv_dtype", kv.SafetensorsName());
                w.WriteNumber("kv_bytes_per_token", KvBytesPerToken(c, kv));
                w.WriteString("isa", CpuKernels.Name);
                w.WriteString("isa_features", CpuKernels.Features);
            });
            return 0;
        }
        var inv = CultureInfo.InvariantCulture;
        output.WriteLine($"model            {model.Name} ({model.Directory ?? "embedded default"})");
        output.WriteLine($"architecture     {c.ModelType}: {c.NumLayers} layers, hidden {c.HiddenSize}, ffn {c.IntermediateSize}");
        output.WriteLine($"attention        {c.NumHeads} heads / {c.NumKvHeads} kv heads, head_dim {c.HeadDim}{(c.QkNorm ? ", q/k norm" : "")}{(c.AttentionBias ? ", qkv bias" : "")}");
        output.WriteLine($"rope             theta {c.RopeTheta.ToString(inv)}, scaling {c.RopeScaling.Kind}");
        output.WriteLine($"vocab            {c.VocabSize} (tokenizer {model.Tokenizer.VocabSize}), context {c.MaxPositionEmbeddings}");
        output.WriteLine($"embeddings       {(c.TieWordEmbeddings ? "tied" : "untied")}");
        output.WriteLine($"parameters       {parameters.ToString("N0", inv)}");
        output.WriteLine($"weights          {model.WeightDType.SafetensorsName()}, {MemoryBudget.Format(model.Weights.TotalBytes)}");
        output.WriteLine($"KV cache         {MemoryBudget.Format(KvBytesPerToken(c, kv))} per token ({kv.SafetensorsName()}, the default for {model.WeightDType.SafetensorsName()} weights)");
        output.WriteLine($"CPU kernels      {CpuKernels.Description}");
        return 0;
    }

    private static long KvBytesPerToken(ModelConfig c, DType kv) => 2L * c.NumLayers * c.KvDim * kv.SizeInBytes();
}
