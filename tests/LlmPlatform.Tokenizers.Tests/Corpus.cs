namespace LlmPlatform.Tokenizers.Tests;

/// <summary>Text that exercises every stage: scripts, code, emoji sequences, whitespace runs, numbers, special-token strings.</summary>
public static class Corpus
{
    public static readonly string[] Lines =
    [
        "Hello, world! How are you doing today?",
        "The quick brown fox jumps over the lazy dog. THE QUICK BROWN FOX.",
        "I'm sure they'll say it's what we've done, isn't it? He'd've known.",
        "def fibonacci(n: int) -> int:\n    if n < 2:\n        return n\n    return fibonacci(n - 1) + fibonacci(n - 2)\n",
        "for (int i = 0; i < n; ++i) { total += xs[i] * 0.5f; } // C-style\r\n",
        "if (ok) { print(\"done\"); } else { call(\")\"); } // ), (); \"(\", \")\"",
        "{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\", \"unit\": \"celsius\"}}",
        "    leading spaces, double  spaces,   triple   and trailing   ",
        "tabs\there\t\tand\nnew\n\nlines\n\n\n\nend",
        "Numbers: 0 7 42 123 1234 12345 3.14159 -2.5e-3 1,000,000 0x1F 2024-06-30",
        "日本語のテキストと中文文本，还有한국어 텍스트。",
        "مرحبا بالعالم! هذا نص عربي مع أرقام ١٢٣.",
        "Ελληνικά, русский текст, עברית, हिन्दी, ไทย.",
        "Ünïcödé àccents: café, naïve, Zürich, São Paulo, Åsa, ﬁ ligature, Ｆｕｌｌｗｉｄｔｈ.",
        "Emoji: 👋🏽 👨‍👩‍👧‍👦 🇺🇳 ❤️ 🧑🏿‍💻 and text😀after and 𝐛𝐨𝐥𝐝 math letters.",
        "Special-token strings: <|endoftext|> <|im_start|>user\nhi<|im_end|> <s>[INST] hi [/INST]</s> <|begin_of_text|><|eot_id|> [CLS] x [SEP]",
        "Outside the BMP: x😀abc 𝐀𝐁𝐂def ghi𝟏𝟐𝟑 𠀀𠀁 text🙂🙂text 😀123",
        "URLs and paths: https://example.com/a/b?c=d&e=f#g ~/src/main.rs C:\\Windows\\system32",
        "Mixed ALL-CAPS, camelCase, snake_case, kebab-case, PascalCase and SCREAMING_SNAKE.",
        "   ",
        "",
    ];
}
