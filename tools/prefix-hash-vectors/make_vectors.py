#!/usr/bin/env python3
"""Writes the prefix block hash test vectors from a second, independent implementation of docs/contracts.md.

Standard library only. The inputs come from a seeded random.Random, so rerunning rewrites an identical file.
"""

import hashlib
import json
import random
import struct
from pathlib import Path

OUT = Path(__file__).resolve().parents[2] / "tests/LlmPlatform.PrefixHashing.Tests/Fixtures/prefix-hash-vectors.json"

SEED_TAG = b"\x53"
BLOCK_TAG = b"\x42"


def h128(message: bytes) -> bytes:
    return hashlib.sha256(message).digest()[:16]


def encode_string(value: str) -> bytes:
    data = value.encode("utf-8")
    return struct.pack("<I", len(data)) + data


def root(model_id: str, cache_salt: str, lora_adapter_id) -> bytes:
    return h128(SEED_TAG + encode_string(model_id) + encode_string(cache_salt) + encode_string(lora_adapter_id or ""))


def block_hash(parent: bytes, tokens, extra: bytes) -> bytes:
    return h128(
        BLOCK_TAG
        + parent
        + struct.pack("<I", len(extra))
        + extra
        + struct.pack("<I", len(tokens))
        + struct.pack(f"<{len(tokens)}i", *tokens)
    )


def block_extra(images, index: int, block_size: int) -> bytes:
    start, end = index * block_size, (index + 1) * block_size
    extra = b""
    for image in sorted(images, key=lambda i: i["offset"]):
        if image["offset"] < end and start < image["offset"] + image["length"]:
            content = bytes.fromhex(image["content_hash"])
            extra += struct.pack("<iiI", image["offset"], image["length"], len(content)) + content
    return extra


def prompt_hashes(case) -> list:
    parent = root(case["model_id"], case["cache_salt"], case["lora_adapter_id"])
    tokens, size = case["tokens"], case["block_size"]
    hashes = []
    for i in range(len(tokens) // size):
        parent = block_hash(parent, tokens[i * size:(i + 1) * size], block_extra(case.get("images", []), i, size))
        hashes.append(parent.hex())
    return hashes


def main() -> None:
    rng = random.Random(20250309)

    def tokens(n, high=152_000):
        return [rng.randrange(high) for _ in range(n)]

    seeds = [
        {"model_id": "meta-llama/Llama-3.2-1B-Instruct", "cache_salt": "tenant-a", "lora_adapter_id": None},
        {"model_id": "meta-llama/Llama-3.2-1B-Instruct", "cache_salt": "tenant-a", "lora_adapter_id": ""},
        {"model_id": "meta-llama/Llama-3.2-1B-Instruct", "cache_salt": "tenant-b", "lora_adapter_id": None},
        {"model_id": "meta-llama/Llama-3.2-1B-Instruct", "cache_salt": "tenant-a", "lora_adapter_id": "sql-lora"},
        {"model_id": "Qwen/Qwen2.5-0.5B", "cache_salt": "", "lora_adapter_id": None},
        {"model_id": "ab", "cache_salt": "c", "lora_adapter_id": None},
        {"model_id": "a", "cache_salt": "bc", "lora_adapter_id": None},
        {"model_id": "modèle-日本語", "cache_salt": "租户 🚀", "lora_adapter_id": "adaptér"},
    ]
    for seed in seeds:
        seed["root"] = root(seed["model_id"], seed["cache_salt"], seed["lora_adapter_id"]).hex()

    blocks = []
    for count, extra_len in [(16, 0), (16, 32), (1, 0), (0, 0), (32, 7), (300, 0)]:
        parent = bytes(rng.randrange(256) for _ in range(16))
        extra = bytes(rng.randrange(256) for _ in range(extra_len))
        block = {"parent": parent.hex(), "tokens": tokens(count), "extra": extra.hex()}
        blocks.append(block)
    blocks.append({"parent": "00" * 16, "tokens": [0, -1, 2**31 - 1, -(2**31), 1, 255, 256, 65536], "extra": ""})
    for block in blocks:
        block["hash"] = block_hash(bytes.fromhex(block["parent"]), block["tokens"], bytes.fromhex(block["extra"])).hex()

    def image(offset, length):
        return {"offset": offset, "length": length, "content_hash": hashlib.sha256(rng.randbytes(64)).hexdigest()}

    prompts = [
        {"model_id": "HuggingFaceTB/SmolLM2-135M", "cache_salt": "tenant-a", "lora_adapter_id": None,
         "block_size": 16, "tokens": tokens(16 * 5)},
        {"model_id": "HuggingFaceTB/SmolLM2-135M", "cache_salt": "tenant-a", "lora_adapter_id": None,
         "block_size": 16, "tokens": tokens(16 * 3 + 7)},
        {"model_id": "HuggingFaceTB/SmolLM2-135M", "cache_salt": "tenant-a", "lora_adapter_id": "lora-1",
         "block_size": 16, "tokens": tokens(15)},
        {"model_id": "HuggingFaceTB/SmolLM2-135M", "cache_salt": "tenant-b", "lora_adapter_id": None,
         "block_size": 4, "tokens": tokens(4 * 9 + 1)},
        {"model_id": "HuggingFaceTB/SmolLM2-135M", "cache_salt": "tenant-b", "lora_adapter_id": None,
         "block_size": 1, "tokens": tokens(5)},
        {"model_id": "Qwen/Qwen2-VL-2B-Instruct", "cache_salt": "tenant-c", "lora_adapter_id": None,
         "block_size": 16, "tokens": tokens(16 * 6 + 3), "images": [image(20, 24), image(5, 10), image(60, 4)]},
        {"model_id": "Qwen/Qwen2-VL-2B-Instruct", "cache_salt": "tenant-c", "lora_adapter_id": None,
         "block_size": 16, "tokens": tokens(16 * 2), "images": [image(0, 32)]},
    ]
    for prompt in prompts:
        prompt["hashes"] = prompt_hashes(prompt)

    vectors = {
        "scheme": "SHA-256, first 16 bytes; see docs/contracts.md, section Prefix block hash",
        "seeds": seeds,
        "blocks": blocks,
        "prompts": prompts,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", encoding="utf-8", newline="\n") as f:
        json.dump(vectors, f, ensure_ascii=False, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
