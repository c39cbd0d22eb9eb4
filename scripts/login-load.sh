#!/bin/sh
# Peak memory of the real server while parallel logins hit it (issue 12,
# item 2): builds the binary, starts it in demo mode and sends N parallel
# logins per round from distinct client addresses. Usage:
#   scripts/login-load.sh [N] [ROUNDS]
set -eu
cd "$(dirname "$0")/.."
bin=$(mktemp -d)/suratdesa
go build -o "$bin" ./app
go run ./app/cmd/loginload --bin "$bin" --n "${1:-200}" --rounds "${2:-3}"
rm -f "$bin"
