#!/usr/bin/python3
"""Render every chat-template fixture with Python's jinja2, configured the way transformers is,
and write the results as goldens for LlmPlatform.ChatTemplates.Tests.

Run with Debian's interpreter (apt-get install python3-jinja2): /usr/bin/python3 make_goldens.py
The output depends only on the fixtures, so rerunning it rewrites identical files.
"""
import json
import pathlib
import sys
from datetime import datetime

import jinja2
import jinja2.ext
from jinja2.sandbox import ImmutableSandboxedEnvironment

FIXTURES = (pathlib.Path(__file__).resolve().parents[2]
            / "tests" / "LlmPlatform.ChatTemplates.Tests" / "Fixtures" / "chat-templates")

# strftime_now reads this instead of the clock so that goldens do not depend on the day they were
# made; the C# test gives its renderer the same instant through a TimeProvider.
FIXED_NOW = datetime(2025, 3, 9, 14, 5, 7)


def raise_exception(message):
    raise jinja2.exceptions.TemplateError(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def strftime_now(format):
    return FIXED_NOW.strftime(format)


def transformers_environment():
    """The environment transformers' chat_template_utils._compile_jinja_template builds
    (its AssistantTracker extension only records {% generation %} spans; no fixture uses it)."""
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                        extensions=[jinja2.ext.loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


def context(family, conversation, add_generation_prompt):
    """The keyword arguments transformers' render_jinja_template passes: tools and documents are
    always present (None when not given), special tokens only when the tokenizer has them."""
    ctx = {
        "messages": conversation["messages"],
        "tools": conversation.get("tools"),
        "documents": None,
        "add_generation_prompt": add_generation_prompt,
    }
    for token in ("bos_token", "eos_token"):
        if token in family:
            ctx[token] = family[token]
    return ctx


def write(path, text):
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(text)


def main():
    env = transformers_environment()
    families = json.loads((FIXTURES / "families.json").read_text(encoding="utf-8"))
    conversations = {p.stem: json.loads(p.read_text(encoding="utf-8"))
                     for p in sorted((FIXTURES / "conversations").glob("*.json"))}
    out = FIXTURES / "goldens"
    out.mkdir(exist_ok=True)
    for stale in out.glob("*.txt"):
        stale.unlink()

    counts = {"rendered": 0, "raised": 0, "failed": 0}
    for name in sorted(families):
        source = (FIXTURES / "templates" / f"{name}.jinja").read_text(encoding="utf-8")
        template = env.from_string(source)
        for conversation_name, conversation in conversations.items():
            for add_generation_prompt in (True, False):
                stem = f"{name}.{conversation_name}.{'gen' if add_generation_prompt else 'nogen'}"
                ctx = context(families[name], conversation, add_generation_prompt)
                try:
                    write(out / f"{stem}.txt", template.render(**ctx))
                    counts["rendered"] += 1
                except jinja2.exceptions.UndefinedError as e:
                    write(out / f"{stem}.render-error.txt", f"{type(e).__name__}: {e}")
                    counts["failed"] += 1
                except jinja2.exceptions.TemplateError as e:
                    # raise_exception raises exactly this type; the message is what the C# test compares.
                    write(out / f"{stem}.error.txt", str(e))
                    counts["raised"] += 1
                except Exception as e:  # TypeError and friends: the template cannot handle this input
                    write(out / f"{stem}.render-error.txt", f"{type(e).__name__}: {e}")
                    counts["failed"] += 1
    print(f"jinja2 {jinja2.__version__}: {counts}", file=sys.stderr)


if __name__ == "__main__":
    main()
