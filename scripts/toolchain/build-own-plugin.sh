#!/usr/bin/env bash
# Builds one of podlab's own Go plugins into OUTDIR/BINARY: the Node.js language host
# (toolchain/language-nodejs) or the "command" provider (toolchain/command-provider). podlab writes
# them because their official Go modules are not served by the Go module proxy here.
#
#   build-own-plugin.sh MODULE_DIR BINARY VERSION OUTDIR
#   e.g. build-own-plugin.sh toolchain/command-provider pulumi-resource-command 1.2.1 out
#
# VERSION is what the plugin reports (GetPluginInfo): the version the npm SDK asks the engine for.
set -euo pipefail

die() { printf 'build-own-plugin: error: %s\n' "$*" >&2; exit 1; }
[ $# -eq 4 ] || die "usage: $0 MODULE_DIR BINARY VERSION OUTDIR"
command -v go >/dev/null || die "go is not on PATH"
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
src=$repo/$1 binary=$2 version=$3
[ -f "$src/go.mod" ] || die "no Go module at $src"
mkdir -p "$4" || die "cannot create $4"
out="$(cd "$4" && pwd)/$binary"

# -mod=readonly: build exactly what go.mod/go.sum pin, never rewrite them.
# -buildvcs=false: the module sits inside the project's git checkout; stamping is not wanted.
(cd "$src" && CGO_ENABLED=0 GOFLAGS="-mod=readonly -buildvcs=false" \
  go build -trimpath -ldflags "-s -w -X main.version=$version" -o "$out.tmp" .) \
  || { rm -f "$out.tmp"; die "go build failed in $src (see the errors above)"; }
mv -f "$out.tmp" "$out"
printf 'built %s (version %s)\n' "$out" "$version"
