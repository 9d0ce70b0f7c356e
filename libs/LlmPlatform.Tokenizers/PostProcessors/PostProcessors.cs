namespace LlmPlatform.Tokenizers.PostProcessors;

/// <summary>Adds a model's special tokens around an encoded sequence (only when special tokens are requested).</summary>
public interface IPostProcessor
{
    void AddSpecialTokens(List<int> ids);
}

/// <summary>tokenizer.json's TemplateProcessing, single-sequence template: fixed ids before and after <c>$A</c>.</summary>
public sealed class TemplateProcessor(IReadOnlyList<int> before, IReadOnlyList<int> after) : IPostProcessor
{
    public void AddSpecialTokens(List<int> ids)
    {
        ids.InsertRange(0, before);
        ids.AddRange(after);
    }
}

public sealed class SequencePostProcessor(IReadOnlyList<IPostProcessor> processors) : IPostProcessor
{
    public void AddSpecialTokens(List<int> ids)
    {
        foreach (var processor in processors)
        {
            processor.AddSpecialTokens(ids);
        }
    }
}

/// <summary>ByteLevel's post-processing only trims offsets, which are not tracked here: ids pass unchanged.</summary>
public sealed class PassThroughPostProcessor : IPostProcessor
{
    public void AddSpecialTokens(List<int> ids)
    {
    }
}
