#!/usr/bin/env bash
# Runs on a GPU host, from the repository root, after publish.sh here: checks that TorchSharp's native library finds
# every libtorch symbol it needs in the host's PyTorch; then the steps named (all by default):
#   tests   the engine's tests with LLMPLATFORM_TEST_DEVICE=cuda (the device-independent ones compute on the GPU:
#           logits against the numpy reference, batch invariance, preemption, prefix caching);
#   cpu-tests  all the engine's tests on the CPU: the host's cores make the CPU decoder's team as large as libtorch's
#           thread count (16 here, against 2 on CI), so every work split runs at a size CI never sees;
#   worker  the GpuWorker service on CUDA and on the CPU over HTTP (worker_check.py);
#   bench   EngineBench's offline throughput on CUDA.
# Usage: tools/gpu-check/run.sh [tests] [cpu-tests] [worker] [bench]. Results go to $OUT (or a temporary folder).
set -uo pipefail
steps=" ${*:-tests cpu-tests worker bench} "
out=${OUT:-$(mktemp -d)}
export OUT="$out"
app=$(mktemp -d)
tar -xJf .gpu/engine-cuda.tar.xz -C "$app"
engine="$app/engine"
torch_lib=$(python3 -c 'import os, torch; print(os.path.join(os.path.dirname(torch.__file__), "lib"))')
{
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
  python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda)'
  echo "cpu cores: $(nproc)"
} | tee "$out/machine.txt"

# TorchSharp 0.107 is built against libtorch 2.10; the host's may be newer. Unversioned undefined symbols are libtorch's.
nm -D --undefined-only "$engine/libLibTorchSharp.so" | awk '$1 == "U" && $2 !~ /@/ {print $2}' | sort -u > "$app/needed"
for lib in "$torch_lib"/lib{torch,torch_cpu,torch_cuda,c10,c10_cuda}.so; do nm -D --defined-only "$lib"; done | awk '{print $3}' | sort -u > "$app/defined"
comm -23 "$app/needed" "$app/defined" > "$app/missing"
echo "libtorch symbols LibTorchSharp needs: $(wc -l < "$app/needed"), missing here: $(wc -l < "$app/missing")" | tee -a "$out/machine.txt"
head -20 "$app/missing"

export LD_LIBRARY_PATH="$torch_lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export LLMPLATFORM_MODELS="$app/models"
if [[ $steps == *" tests "* ]]; then
  # A CUDA error can leave the process's context unusable for every later test, so each class runs in its own process.
  for class in ForwardPassTests GenerationTests LlmEngineTests EngineMetricsTests SamplerTests; do
    LLMPLATFORM_TEST_DEVICE=cuda timeout 120 "$engine/LlmPlatform.Engine.Tests" -noColor -class "LlmPlatform.Engine.Tests.$class" > "$app/tests.txt" 2>&1
    echo "$class exit: $?"
    cat "$app/tests.txt" >> "$out/engine-tests.txt"
    grep -E "\[FAIL\]|Total:|Exception :" "$app/tests.txt" | head -20
  done
fi

if [[ $steps == *" cpu-tests "* ]]; then
  timeout 300 "$engine/LlmPlatform.Engine.Tests" -noColor > "$out/engine-cpu-tests.txt" 2>&1
  echo "cpu tests exit: $?"
  grep -E "\[FAIL\]|Total:|Exception :" "$out/engine-cpu-tests.txt" | head -20
fi

if [[ $steps == *" worker "* ]]; then
  timeout 240 python3 tools/gpu-check/worker_check.py "$engine" 2>&1 | tee "$out/worker-check.txt"
  grep -h "Engine ready" "$out"/worker-*.txt | cut -c1-400
fi

if [[ $steps == *" bench "* ]]; then
  for requests in 32 256; do
    timeout 100 "$engine/llmplatform-engine-bench" throughput --device cuda --dtype bf16 --requests "$requests" --max-num-seqs "$requests" \
      --max-num-batched-tokens 8192 --prompt-len 32 --output-len 64 --baseline-requests 8 > "$out/throughput-$requests.txt" 2>&1
    echo "throughput $requests exit: $?"
    cat "$out/throughput-$requests.txt"
  done
fi
