namespace LlmPlatform.ChatTemplates;

/// <summary>Base of every error a chat template reports, at parse time or at render time.</summary>
public abstract class ChatTemplateException : Exception
{
    private protected ChatTemplateException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
