#!/usr/bin/env bash
# Starts the sample server (Release) on the default model, runs the 64-client streaming load against it,
# prints the result and the server's peak working set, then stops the server.
set -euo pipefail
cd "$(dirname "$0")/../.."
PORT="${PORT:-5077}"
dotnet build -c Release samples/MemServe.Server -v q -nologo >/dev/null
dotnet build -c Release benchmarks/MemServe.LoadTest -v q -nologo >/dev/null
dotnet samples/MemServe.Server/bin/Release/net10.0/MemServe.Server.dll --urls "http://127.0.0.1:$PORT" \
  --Logging:LogLevel:Default=Warning "$@" &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.2; done
curl -fs "http://127.0.0.1:$PORT/health"; echo
dotnet benchmarks/MemServe.LoadTest/bin/Release/net10.0/MemServe.LoadTest.dll --url "http://127.0.0.1:$PORT" \
  --clients "${CLIENTS:-64}" --rounds "${ROUNDS:-3}" --max-tokens "${MAX_TOKENS:-32}" --server-pid "$SERVER"
