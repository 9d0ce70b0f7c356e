#!/usr/bin/env python3
"""Starts the published GpuWorker twice on the demo model, once on CUDA and once on the CPU, and sends each the same
OpenAI requests over HTTP: greedy completions (whole and streamed) and a chat completion. Prints what came back and
whether the greedy texts agree. Standard library only (a GPU host has python3, and nothing can be installed there).
Usage: [DEVICES="cuda cpu"] worker_check.py PUBLISHED_FOLDER"""
import json, os, subprocess, sys, time, urllib.request

folder = sys.argv[1]
prompts = ["The capital of France is", "def fibonacci(n):", "Once upon a time"]


def post(port, path, body, stream=False):
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", json.dumps(body).encode(), {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as response:
        if not stream:
            return json.loads(response.read())
        events = [line[6:] for line in response.read().decode().splitlines() if line.startswith("data: ")]
        return [json.loads(e) for e in events if e != "[DONE]"]


def serve(device, port, *extra):
    log = open(f"{os.environ.get('OUT', '/tmp')}/worker-{device}-{port}.txt", "w")
    # float32 on both devices, so that their greedy texts can be compared.
    worker = subprocess.Popen([f"{folder}/GpuWorker", "--device", device, "--dtype", "float32", "--port", str(port), *extra], stdout=log, stderr=subprocess.STDOUT)
    for _ in range(240):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as response:
                health = json.loads(response.read())
                if health.get("status") == "Healthy":
                    return worker, health
        except OSError:
            pass
        time.sleep(0.5)
    worker.kill()
    raise SystemExit(f"the {device} worker did not become healthy; see worker-{device}-{port}.txt")


if "cuda" in os.environ.get("DEVICES", "cuda cpu").split():
    # Two workers sharing the GPU, as the AppHost starts them on a one-GPU host: each sizes its pool from its own share.
    pair = [serve("cuda", port, "--gpu-memory-utilization", "0.45") for port in (8130, 8131)]
    print("two workers on one GPU at 0.45 each, KV blocks:", [health["checks"]["model"]["data"]["kv_cache_blocks"] for _, health in pair])
    for worker, _ in pair:
        worker.terminate()
        worker.wait(30)

results = {}
for port, device in enumerate(os.environ.get("DEVICES", "cuda cpu").split(), start=8123):
    worker, health = serve(device, port)
    try:
        model = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/models").read())["data"][0]["id"]
        print(f"{device}: healthy; model {model}; health {json.dumps(health)[:400]}")
        texts = []
        for prompt in prompts:
            whole = post(port, "/v1/completions", {"model": model, "prompt": prompt, "max_tokens": 24, "temperature": 0})
            chunks = post(port, "/v1/completions", {"model": model, "prompt": prompt, "max_tokens": 24, "temperature": 0, "stream": True}, stream=True)
            streamed = "".join(c["choices"][0]["text"] for c in chunks if c.get("choices"))
            texts.append(whole["choices"][0]["text"])
            print(f"  completion {prompt!r}: {whole['choices'][0]['text']!r} usage {whole['usage']}; streamed equal: {streamed == whole['choices'][0]['text']}")
        chat = post(port, "/v1/chat/completions", {"model": model, "messages": [{"role": "user", "content": "Hello!"}], "max_tokens": 12, "temperature": 0})
        print(f"  chat: {chat['choices'][0]['message']['content']!r} finish {chat['choices'][0]['finish_reason']} usage {chat['usage']}")
        started = time.perf_counter()
        post(port, "/v1/completions", {"model": model, "prompt": prompts[0], "max_tokens": 128, "temperature": 0, "ignore_eos": True})
        print(f"  128 greedy tokens alone: {time.perf_counter() - started:.2f} s")
        results[device] = texts
    finally:
        worker.terminate()
        worker.wait(30)

if {"cuda", "cpu"} <= results.keys():
    same = sum(a == b for a, b in zip(results["cuda"], results["cpu"]))
    print(f"greedy completions equal on CUDA and CPU: {same} of {len(prompts)}")
