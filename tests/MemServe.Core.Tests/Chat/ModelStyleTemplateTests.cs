using MemServe.Chat;

namespace MemServe.Core.Tests.Chat;

/// <summary>Hand-written templates in the styles of common model families, and the ChatML default.</summary>
public sealed class ModelStyleTemplateTests
{
    private const string Llama3Style = """
        {{- bos_token }}
        {%- if not date_string is defined %}
            {%- set date_string = strftime_now("%d %b %Y") %}
        {%- endif %}
        {%- if messages[0]['role'] == 'system' %}
            {%- set system_message = messages[0]['content'] | trim %}
            {%- set messages = messages[1:] %}
        {%- else %}
            {%- set system_message = "" %}
        {%- endif %}
        {{- "<|start_header_id|>system<|end_header_id|>\n\n" }}
        {{- "Today Date: " + date_string + "\n\n" }}
        {{- system_message }}
        {{- "<|eot_id|>" }}
        {%- for message in messages %}
            {{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n' + message['content'] | trim + '<|eot_id|>' }}
        {%- endfor %}
        {%- if add_generation_prompt %}
            {{- '<|start_header_id|>assistant<|end_header_id|>\n\n' }}
        {%- endif %}
        """;

    private const string MistralStyle = """
        {%- if messages[0]['role'] == 'system' %}
            {%- set system_message = messages[0]['content'] %}
            {%- set loop_messages = messages[1:] %}
        {%- else %}
            {%- set loop_messages = messages %}
        {%- endif %}
        {{- bos_token }}
        {%- for message in loop_messages %}
            {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}
                {{- raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}
            {%- endif %}
            {%- if message['role'] == 'user' %}
                {%- if loop.first and system_message is defined %}
                    {{- ' [INST] ' + system_message + '\n\n' + message['content'] + ' [/INST]' }}
                {%- else %}
                    {{- ' [INST] ' + message['content'] + ' [/INST]' }}
                {%- endif %}
            {%- elif message['role'] == 'assistant' %}
                {{- ' ' + message['content'] + eos_token }}
            {%- endif %}
        {%- endfor %}
        """;

    // Phi-3 style: plain tags on their own lines, relying on trim_blocks/lstrip_blocks; '}}' keeps its newline.
    private const string Phi3Style = """
        {% for message in messages %}
        {% if message['role'] == 'system' %}
        {{'<|system|>\n' + message['content'] + '<|end|>\n'}}
        {% elif message['role'] == 'user' %}
        {{'<|user|>\n' + message['content'] + '<|end|>\n'}}
        {% elif message['role'] == 'assistant' %}
        {{'<|assistant|>\n' + message['content'] + '<|end|>\n'}}
        {% endif %}
        {% endfor %}
        {% if add_generation_prompt %}
        {{ '<|assistant|>\n' }}
        {% else %}
        {{ eos_token }}
        {% endif %}
        """;

    private const string SmolLm2Style =
        "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
        + "{{ '<|im_start|>system\\nYou are a helpful AI assistant.<|im_end|>\\n' }}{% endif %}"
        + "{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}"
        + "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    [Fact]
    public void Llama3_style_uses_bos_token_trimmed_system_and_todays_date()
    {
        ChatTemplate template = ChatTemplate.Parse(Llama3Style, bosToken: "<|begin_of_text|>", eosToken: "<|eot_id|>")
            .WithClock(new FixedClock(new DateTimeOffset(2024, 7, 26, 12, 0, 0, TimeSpan.Zero)));

        string text = template.Render([new("system", " Be brief. "), new("user", "Hi ")], addGenerationPrompt: true);

        Assert.Equal(
            "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nToday Date: 26 Jul 2024\n\nBe brief.<|eot_id|>"
            + "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n", text);
    }

    [Fact]
    public void Llama3_style_date_string_variable_overrides_the_clock()
    {
        ChatTemplate template = ChatTemplate.Parse(Llama3Style, bosToken: "<s>");

        string text = template.Render([new("user", "Hi")], addGenerationPrompt: false, new Dictionary<string, object?> { ["date_string"] = "01 Jan 2025" });

        Assert.Equal("<s><|start_header_id|>system<|end_header_id|>\n\nToday Date: 01 Jan 2025\n\n<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>", text);
    }

    [Fact]
    public void Mistral_style_renders_alternating_turns()
    {
        ChatTemplate template = ChatTemplate.Parse(MistralStyle, bosToken: "<s>", eosToken: "</s>");

        string text = template.Render([new("system", "Sys"), new("user", "Hi"), new("assistant", "Hello"), new("user", "Bye")], addGenerationPrompt: true);

        Assert.Equal("<s> [INST] Sys\n\nHi [/INST] Hello</s> [INST] Bye [/INST]", text);
    }

    [Fact]
    public void Mistral_style_raises_on_bad_alternation_with_the_templates_message()
    {
        ChatTemplate template = ChatTemplate.Parse(MistralStyle, bosToken: "<s>", eosToken: "</s>");

        var ex = Assert.Throws<ChatTemplateException>(() => template.Render([new("user", "Hi"), new("user", "Again")], addGenerationPrompt: true));

        Assert.True(ex.RaisedByTemplate);
        Assert.Equal("Conversation roles must alternate user/assistant/user/assistant/...", ex.Message);
    }

    [Fact]
    public void Phi3_style_block_tags_on_their_own_lines_leave_only_the_newlines_after_outputs()
    {
        ChatTemplate template = ChatTemplate.Parse(Phi3Style, eosToken: "<|endoftext|>");

        Assert.Equal("<|user|>\nHi<|end|>\n\n<|assistant|>\nHello<|end|>\n\n<|assistant|>\n\n",
            template.Render([new("user", "Hi"), new("assistant", "Hello")], addGenerationPrompt: true));
        Assert.Equal("<|user|>\nHi<|end|>\n\n<|endoftext|>\n", template.Render([new("user", "Hi")], addGenerationPrompt: false));
    }

    [Fact]
    public void SmolLM2_style_inserts_a_default_system_prompt()
    {
        string text = ChatTemplate.Parse(SmolLm2Style).Render([new("user", "Hi")], addGenerationPrompt: true);

        Assert.Equal("<|im_start|>system\nYou are a helpful AI assistant.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n", text);
    }

    [Fact]
    public void ChatMl_default_renders_every_turn_and_the_generation_prompt()
    {
        string text = ChatTemplate.ChatMl.Render([new("system", "S"), new("user", "Hi"), new("assistant", null)], addGenerationPrompt: true);

        Assert.True(ChatTemplate.ChatMl.IsDefault);
        Assert.Equal("<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<|im_end|>\n<|im_start|>assistant\n", text);
    }
}
