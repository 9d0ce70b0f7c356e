#!/usr/bin/env bash
# Builds what tools/gpu-check/run.sh runs on a GPU host, which has CUDA and PyTorch but no .NET SDK: the engine's tests
# (a self-running xunit v3 executable), EngineBench and the GpuWorker service, published self-contained for linux-x64
# without the CPU libtorch package (-p:TorchSharpBackend=cuda), into one folder, packed as .gpu/engine-cuda.tar.xz
# (about 45 MB: small enough to travel with a working tree). Publishes from a copy of the working tree so that this checkout's CPU build is left
# as it is.
set -euo pipefail
cd "$(dirname "$0")/../.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tar --exclude=./.git --exclude='*/bin' --exclude='*/obj' --exclude=./.gpu --exclude=./bench-results -cf - . | tar -xf - -C "$work"
mkdir -p "$work/out/engine"
for project in tests/LlmPlatform.Engine.Tests tools/EngineBench services/GpuWorker; do
  dotnet publish "$work/$project" -c Release -r linux-x64 --self-contained -p:TorchSharpBackend=cuda -o "$work/out/$(basename "$project")" -v q
  # The apps share every common file (same build, same package versions), so one folder holds them all.
  cp -rn "$work/out/$(basename "$project")"/* "$work/out/engine/"
done
mkdir -p .gpu
tar -cJf .gpu/engine-cuda.tar.xz -C "$work/out" engine
ls -l .gpu/engine-cuda.tar.xz
