#!/usr/bin/env bash
# Writes the reference logits the engine tests compare against: each case's model is generated with ModelPrep
# (random weights, fixed seed: the tests regenerate the identical files), then run through llama_reference.py.
# Needs Debian's python3-numpy (apt-get install python3-numpy). Rerun after changing the model writer.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=tests/LlmPlatform.Engine.Tests/Fixtures/reference
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tokens=464,2068,7586,21831,18045,625,262,16931,3290,13,50257,31373,995,0,198,220,1849,50258
dotnet build tools/ModelPrep -v q > /dev/null
prep() { dotnet run --no-build --project tools/ModelPrep -- --out "$work/$1" --hidden-size 64 --intermediate-size 128 --layers 2 --heads 4 --seed 7 "${@:2}" > /dev/null; }
prep llama-gqa --kv-heads 2
prep qwen2-bias-untied --architecture Qwen2ForCausalLM --kv-heads 1 --untied --dtype F32
prep llama3-rope --kv-heads 2 --rope-theta 500000 --rope-scaling '{"rope_type":"llama3","factor":8.0,"low_freq_factor":1.0,"high_freq_factor":4.0,"original_max_position_embeddings":64}'
prep mistral-linear-rope --architecture MistralForCausalLM --kv-heads 4 --dtype F16 --rope-scaling '{"type":"linear","factor":2.0}'
for case in llama-gqa qwen2-bias-untied llama3-rope mistral-linear-rope; do
  /usr/bin/python3 tools/model-reference/llama_reference.py --model "$work/$case" --tokens "$tokens" --out "$out/$case.json"
done
