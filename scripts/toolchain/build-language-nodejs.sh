#!/usr/bin/env bash
# Builds podlab's own Pulumi language host for Node.js (toolchain/language-nodejs) into
# OUTDIR/pulumi-language-nodejs. The official host's Go module is not served by the Go module proxy here.
#
#   scripts/toolchain/build-language-nodejs.sh OUTDIR
#
# The Pulumi CLI finds the host next to its own binary, or on PATH: put it in the CLI's folder
# and put that folder on PATH.
set -euo pipefail

die() { printf 'build-language-nodejs: error: %s\n' "$*" >&2; exit 1; }

[ $# -eq 1 ] && [ -n "$1" ] || die "usage: $0 OUTDIR"
command -v go >/dev/null || die "go is not on PATH"

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
src="$repo/toolchain/language-nodejs"
[ -f "$src/go.mod" ] || die "no Go module at $src"

# The version GetPluginInfo reports: the pinned Pulumi version, when the pin file is there.
version=3.248.0
if [ -f "$repo/toolchain/versions.env" ]; then
  # shellcheck source=/dev/null
  version=$(. "$repo/toolchain/versions.env" && printf '%s' "${PULUMI_VERSION:-$version}")
fi

mkdir -p "$1" || die "cannot create $1"
out="$(cd "$1" && pwd)/pulumi-language-nodejs"

# -mod=readonly: build exactly what go.mod/go.sum pin, never rewrite them.
# -buildvcs=false: the module sits inside the project's git checkout; stamping is not wanted.
(cd "$src" && CGO_ENABLED=0 GOFLAGS="-mod=readonly -buildvcs=false" \
  go build -trimpath -ldflags "-s -w -X main.version=$version" -o "$out.tmp" .) \
  || { rm -f "$out.tmp"; die "go build failed in $src (see the errors above)"; }
mv -f "$out.tmp" "$out"
printf 'built %s (version %s)\n' "$out" "$version"
