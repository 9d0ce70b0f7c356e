namespace LlmPlatform.Scheduling;

/// <summary>One way to refuse a bad setting: an <see cref="ArgumentException"/> whose ParamName is the setting's public name.</summary>
internal static class SettingRules
{
    public static void Require(bool valid, string name, string rule)
    {
        if (!valid)
            throw new ArgumentException($"{name} {rule}.", name);
    }
}
