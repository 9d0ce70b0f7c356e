#!/usr/bin/env python3
"""An independent reference for the engine's forward pass: Llama-family logits in numpy (float64), written from the
Hugging Face modeling code's equations, not from the C# code.

Usage: /usr/bin/python3 llama_reference.py --model DIR --tokens 1,2,3 --out FILE.json
Writes, for every position, the first 32 logits, the top 10 (id, logit), and the sum and sum of squares of all.
Needs Debian's python3-numpy; safetensors are parsed by hand (8-byte length, JSON header, raw data).
"""
import argparse, json, math, struct
import numpy as np


def load_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        raw = data[start:end]
        if info["dtype"] == "F32":
            array = np.frombuffer(raw, dtype="<f4").astype(np.float64)
        elif info["dtype"] == "F16":
            array = np.frombuffer(raw, dtype="<f2").astype(np.float64)
        elif info["dtype"] == "BF16":  # bfloat16 is the top half of a float32
            array = (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view(np.float32).astype(np.float64)
        else:
            raise ValueError(info["dtype"])
        tensors[name] = array.reshape(info["shape"])
    return tensors


def inverse_frequencies(config, head_dim):
    theta = config.get("rope_theta", 10000.0)
    inv = 1.0 / theta ** (np.arange(0, head_dim, 2, dtype=np.float64) / head_dim)
    scaling = config.get("rope_scaling") or {}
    kind = scaling.get("rope_type", scaling.get("type", "default"))
    if kind == "linear":
        inv = inv / scaling["factor"]
    elif kind == "llama3":
        factor, low, high = scaling["factor"], scaling["low_freq_factor"], scaling["high_freq_factor"]
        old = scaling["original_max_position_embeddings"]
        wavelen = 2 * math.pi / inv
        scaled = np.where(wavelen > old / low, inv / factor, inv)
        smooth = (old / wavelen - low) / (high - low)
        smoothed = (1 - smooth) * scaled / factor + smooth * scaled
        medium = ~(wavelen < old / high) & ~(wavelen > old / low)
        inv = np.where(medium, smoothed, scaled)
    return inv


def rms_norm(x, weight, eps):
    return weight * (x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps))


def rotate(x, cos, sin):
    half = x.shape[-1] // 2
    rotated = np.concatenate([-x[..., half:], x[..., :half]], axis=-1)
    return x * cos + rotated * sin


def forward(config, w, tokens):
    hidden, heads = config["hidden_size"], config["num_attention_heads"]
    kv_heads = config.get("num_key_value_heads", heads)
    head_dim = config.get("head_dim", hidden // heads)
    eps = config.get("rms_norm_eps", 1e-6)
    bias = config["architectures"][0] == "Qwen2ForCausalLM" or config.get("attention_bias", False)
    n = len(tokens)
    angles = np.outer(np.arange(n, dtype=np.float64), inverse_frequencies(config, head_dim))
    angles = np.concatenate([angles, angles], axis=-1)
    cos, sin = np.cos(angles)[:, None, :], np.sin(angles)[:, None, :]
    x = w["model.embed_tokens.weight"][tokens]
    mask = np.triu(np.full((n, n), -np.inf), k=1)
    for layer in range(config["num_hidden_layers"]):
        p = f"model.layers.{layer}."
        h = rms_norm(x, w[p + "input_layernorm.weight"], eps)
        def proj(name, count):
            out = h @ w[p + f"self_attn.{name}_proj.weight"].T
            if bias:
                out = out + w[p + f"self_attn.{name}_proj.bias"]
            return out.reshape(n, count, head_dim)
        q = rotate(proj("q", heads), cos, sin)
        k = rotate(proj("k", kv_heads), cos, sin)
        v = proj("v", kv_heads)
        group = heads // kv_heads
        k, v = np.repeat(k, group, axis=1), np.repeat(v, group, axis=1)  # head h reads kv head h // group
        scores = np.einsum("qhd,khd->hqk", q, k) / math.sqrt(head_dim) + mask
        scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
        probs = scores / scores.sum(axis=-1, keepdims=True)
        attended = np.einsum("hqk,khd->qhd", probs, v).reshape(n, heads * head_dim)
        x = x + attended @ w[p + "self_attn.o_proj.weight"].T
        h = rms_norm(x, w[p + "post_attention_layernorm.weight"], eps)
        gate = h @ w[p + "mlp.gate_proj.weight"].T
        up = h @ w[p + "mlp.up_proj.weight"].T
        x = x + ((gate / (1 + np.exp(-gate))) * up) @ w[p + "mlp.down_proj.weight"].T
    x = rms_norm(x, w["model.norm.weight"], eps)
    head = w.get("lm_head.weight", w["model.embed_tokens.weight"])
    return x @ head.T


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--tokens", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    config = json.load(open(f"{args.model}/config.json"))
    weights = load_safetensors(f"{args.model}/model.safetensors")
    tokens = [int(t) for t in args.tokens.split(",")]
    logits = forward(config, weights, tokens)
    rows = []
    for position, row in enumerate(logits):
        top = np.argsort(-row, kind="stable")[:10]
        rows.append({"position": position, "first": [float(v) for v in row[:32]],
                     "top": [[int(i), float(row[i])] for i in top],
                     "sum": float(row.sum()), "sum_of_squares": float((row * row).sum())})
    with open(args.out, "w") as f:
        json.dump({"tokens": tokens, "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()
