namespace LlmPlatform.Models.Demo;

public static class ChatMl
{
    public const string ImStart = "<|im_start|>";
    public const string ImEnd = "<|im_end|>";

    /// <summary>ChatML as Qwen and SmolLM ship it (without their default system prompt), so any chat client works with the demo model.</summary>
    public const string Template =
        "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}" +
        "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
}
