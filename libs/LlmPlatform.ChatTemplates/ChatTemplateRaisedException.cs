namespace LlmPlatform.ChatTemplates;

/// <summary>
/// The template called <c>raise_exception(message)</c>, its way of rejecting a conversation.
/// <see cref="Exception.Message"/> is exactly the template's message, as transformers reports it.
/// </summary>
public sealed class ChatTemplateRaisedException : ChatTemplateException
{
    internal ChatTemplateRaisedException(string message) : base(message)
    {
    }
}
