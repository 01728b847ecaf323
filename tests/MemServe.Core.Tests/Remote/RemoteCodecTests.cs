using System.Reflection;
using MemServe.Cluster;
using MemServe.Cluster.Remote;
using MemServe.Engine;
using MemServe.Sampling;
using MemServe.Transport;

namespace MemServe.Core.Tests.Remote;

public sealed class RemoteCodecTests
{
    [Fact]
    public void A_request_with_every_field_set_round_trips()
    {
        var request = new GenerationRequest
        {
            Prompt = "héllo wörld",
            PromptTokenIds = [5, 6, 7],
            Sampling = new SamplingParameters
            {
                Temperature = 0.7f, TopK = 40, TopP = 0.9f, MinP = 0.05f, RepetitionPenalty = 1.1f,
                PresencePenalty = 0.2f, FrequencyPenalty = 0.3f, Seed = -42,
            },
            MaxTokens = 77,
            StopTokenIds = [1, 2],
            StopStrings = ["\n\n", "END"],
            IgnoreEos = true,
            AddSpecialTokens = false,
            WaitForAdmission = false,
            SessionId = "conversation-7",
        };

        GenerationRequest decoded = RoundTrip(request);

        Assert.Equal(request.Prompt, decoded.Prompt);
        Assert.Equal(request.PromptTokenIds, decoded.PromptTokenIds);
        Assert.Equal(request.Sampling, decoded.Sampling);
        Assert.Equal(request.MaxTokens, decoded.MaxTokens);
        Assert.Equal(request.SessionId, decoded.SessionId);
        Assert.Equal(request.StopTokenIds, decoded.StopTokenIds);
        Assert.Equal(request.StopStrings, decoded.StopStrings);
        Assert.Equal((request.IgnoreEos, request.AddSpecialTokens, request.WaitForAdmission),
            (decoded.IgnoreEos, decoded.AddSpecialTokens, decoded.WaitForAdmission));
    }

    [Fact]
    public void The_request_codec_covers_every_property_of_the_request()
    {
        // A property added to GenerationRequest must be added to GenerationRequestCodec (and to this list).
        string[] covered = ["Prompt", "PromptTokenIds", "Sampling", "MaxTokens", "StopTokenIds", "StopStrings", "IgnoreEos",
            "AddSpecialTokens", "WaitForAdmission", "SessionId", "Logprobs", "N", "Constraint"];
        foreach (PropertyInfo p in typeof(GenerationRequest).GetProperties(BindingFlags.Public | BindingFlags.Instance))
            Assert.Contains(p.Name, covered);
    }

    [Fact]
    public void Logprobs_logit_bias_and_choices_round_trip()
    {
        var request = GenerationRequest.FromPrompt("x") with
        {
            Logprobs = 7,
            N = 3,
            Sampling = SamplingParameters.Greedy with { LogitBias = new Dictionary<int, float> { [5] = -100, [9] = 2.5f } },
        };

        GenerationRequest decoded = RoundTrip(request);

        Assert.Equal((7, 3), (decoded.Logprobs, decoded.N));
        Assert.Equal(request.Sampling.LogitBias!.OrderBy(e => e.Key), decoded.Sampling.LogitBias!.OrderBy(e => e.Key));
        Assert.Null(RoundTrip(GenerationRequest.FromPrompt("x")).Logprobs);

        using var w = new WireWriter();
        var update = new GenerationUpdate(17, "ab")
        {
            ChoiceIndex = 2,
            Logprobs = new TokenLogprobs(-0.25f, [new TopLogprob(17, -0.25f), new TopLogprob(3, -2f)]),
        };
        GenerationUpdateCodec.Write(w, update);
        GenerationUpdate back = GenerationUpdateCodec.Read(w.Written.Span);
        Assert.Equal((2, -0.25f), (back.ChoiceIndex, back.Logprobs!.Logprob));
        Assert.Equal(update.Logprobs.Top, back.Logprobs.Top);
    }

    [Fact]
    public void Updates_and_the_final_update_round_trip()
    {
        using var w = new WireWriter();
        var update = new GenerationUpdate(17, "ab");
        GenerationUpdateCodec.Write(w, update);
        Assert.Equal(update, GenerationUpdateCodec.Read(w.Written.Span));

        var final = new GenerationUpdate(2, "") with
        {
            FinishReason = FinishReason.Stop,
            Usage = new GenerationUsage(10, 4, 3),
            Timings = new GenerationTimings(TimeSpan.FromTicks(5), TimeSpan.FromMilliseconds(12), TimeSpan.FromSeconds(1)),
        };
        GenerationUpdateCodec.Write(w.Reset(), final);
        GenerationUpdate decoded = GenerationUpdateCodec.Read(w.Written.Span);
        Assert.Equal((final.TokenId, final.TextDelta, final.FinishReason), (decoded.TokenId, decoded.TextDelta, decoded.FinishReason));
        Assert.Equal((final.Usage.PromptTokens, final.Usage.CachedPromptTokens, final.Usage.OutputTokens),
            (decoded.Usage!.PromptTokens, decoded.Usage.CachedPromptTokens, decoded.Usage.OutputTokens));
        Assert.Equal(final.Timings, decoded.Timings);
    }

    [Fact]
    public void Stats_with_every_property_set_round_trip()
    {
        var stats = new EngineStats();
        int n = 1;
        foreach (PropertyInfo p in typeof(EngineStats).GetProperties())
        {
            object value = p.PropertyType == typeof(bool) ? true
                : p.PropertyType == typeof(double) ? n + 0.5
                : Convert.ChangeType(n, p.PropertyType, System.Globalization.CultureInfo.InvariantCulture);
            p.SetValue(stats, value);
            n++;
        }
        using var w = new WireWriter();
        EngineStatsCodec.Write(w, stats);

        Assert.Equal(stats, EngineStatsCodec.Read(w.Written.Span));
    }

    [Fact]
    public void The_hello_reply_carries_the_hosts_cpu_kernel_path()
    {
        var model = new ModelInfo("m", MemServe.Model.ModelShapes.Get("tiny"), 10, MemServe.Model.DType.BF16, 20)
        {
            KernelPath = MemServe.Compute.CpuKernelPath.Portable,
            KernelDescription = "portable (vector128)",
        };
        var info = new RemoteInstanceInfo(RemoteProtocol.Version, "i0", MemServe.Cluster.InstanceRole.Colocated, model, null, null);
        using var w = new WireWriter();
        info.Write(w);

        RemoteInstanceInfo read = RemoteInstanceInfo.Read(w.Written.Span);

        Assert.Equal(MemServe.Compute.CpuKernelPath.Portable, read.ModelInfo.KernelPath);
        Assert.Equal("portable (vector128)", read.ModelInfo.KernelDescription);
    }

    [Fact]
    public void A_truncated_request_is_rejected_as_a_protocol_violation()
    {
        using var w = new WireWriter();
        GenerationRequestCodec.Write(w, GenerationRequest.FromPrompt("hello"));
        byte[] truncated = w.Written[..^3].ToArray();

        var ex = Assert.Throws<KvTransportException>(() => GenerationRequestCodec.Read(truncated));
        Assert.Equal(TransportErrorKind.ProtocolViolation, ex.Kind);
    }

    [Fact]
    public void Host_errors_map_back_to_the_same_exception_types()
    {
        Assert.IsType<InvalidRequestException>(RemoteThrowHelper.FromRemote(RemoteErrorKind.InvalidRequest, "m", "i", "e"));
        Assert.IsType<EngineOverloadedException>(RemoteThrowHelper.FromRemote(RemoteErrorKind.Overloaded, "m", "i", "e"));
        Assert.IsType<MemoryBudgetExceededException>(RemoteThrowHelper.FromRemote(RemoteErrorKind.MemoryBudgetExceeded, "m", "i", "e"));
        Assert.IsType<RemoteInstanceException>(RemoteThrowHelper.FromRemote(RemoteErrorKind.ShuttingDown, "m", "i", "e"));
        Assert.Equal(RemoteErrorKind.Overloaded, RemoteThrowHelper.KindOf(new EngineOverloadedException("full")));
    }

    [Fact]
    public void A_decode_request_carries_the_first_tokens_logprobs()
    {
        var logprobs = new TokenLogprobs(-0.25f, [new TopLogprob(7, -0.25f), new TopLogprob(3, -1.5f)]);
        var decode = new DecodeRequest(GenerationRequest.FromPrompt("x") with { Logprobs = 2 }, 7, new ulong[] { 1, 2, 3, 4 }, UseCache: true, logprobs);
        using var w = new WireWriter();
        RemoteKvMessages.WriteDecode(w, decode, new RemoteKvMessages.SourceShape("p0", 2, 30));

        var r = new WireReader(w.Written.Span);
        Assert.Equal(RemoteOp.Decode, (RemoteOp)r.ReadByte());
        (DecodeRequest read, RemoteKvMessages.SourceShape shape) = RemoteKvMessages.ReadDecode(ref r);

        Assert.Equal(-0.25f, read.FirstLogprobs!.Logprob);
        Assert.Equal(logprobs.Top, read.FirstLogprobs.Top);
        Assert.Equal(("p0", 2, 30), (shape.InstanceId, shape.BlockCount, shape.TokenCount));
    }

    private static GenerationRequest RoundTrip(GenerationRequest request)
    {
        using var w = new WireWriter();
        GenerationRequestCodec.Write(w, request);
        return GenerationRequestCodec.Read(w.Written.Span);
    }
}
