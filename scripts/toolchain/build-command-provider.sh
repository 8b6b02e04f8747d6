#!/usr/bin/env bash
# Builds podlab's own Pulumi "command" resource provider (toolchain/command-provider) into
# OUTDIR/pulumi-resource-command. The upstream provider's Go module is not served by the Go module
# proxy here; this one serves command:local:Command as @pulumi/command 1.2.1 calls it.
#
#   scripts/toolchain/build-command-provider.sh OUTDIR
#
# Then register it under the version the npm SDK asks for:
#   pulumi plugin install resource command 1.2.1 --file OUTDIR/pulumi-resource-command
set -euo pipefail

die() { printf 'build-command-provider: error: %s\n' "$*" >&2; exit 1; }

[ $# -eq 1 ] && [ -n "$1" ] || die "usage: $0 OUTDIR"
command -v go >/dev/null || die "go is not on PATH"

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
src="$repo/toolchain/command-provider"
[ -f "$src/go.mod" ] || die "no Go module at $src"

# The version GetPluginInfo reports: the pinned @pulumi/command version, when the pin file is there.
version=1.2.1
if [ -f "$repo/toolchain/versions.env" ]; then
  # shellcheck source=/dev/null
  version=$(. "$repo/toolchain/versions.env" && printf '%s' "${PULUMI_COMMAND_VERSION:-$version}")
fi

mkdir -p "$1" || die "cannot create $1"
out="$(cd "$1" && pwd)/pulumi-resource-command"

# -mod=readonly: build exactly what go.mod/go.sum pin, never rewrite them.
# -buildvcs=false: the module sits inside the project's git checkout; stamping is not wanted.
(cd "$src" && CGO_ENABLED=0 GOFLAGS="-mod=readonly -buildvcs=false" \
  go build -trimpath -ldflags "-s -w -X main.version=$version" -o "$out.tmp" .) \
  || { rm -f "$out.tmp"; die "go build failed in $src (see the errors above)"; }
mv -f "$out.tmp" "$out"
printf 'built %s (version %s)\n' "$out" "$version"
