#!/usr/bin/env bash
# Builds a command from the Go module proxy into OUTDIR with `go install`, as its README says.
#   scripts/toolchain/build-go-tool.sh PACKAGE@VERSION OUTDIR
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 PACKAGE@VERSION OUTDIR" >&2; exit 2; }
mkdir -p "$2"
GOBIN=$(cd "$2" && pwd) CGO_ENABLED=0 GOFLAGS=-buildvcs=false go install -trimpath -ldflags "-s -w" "$1"
