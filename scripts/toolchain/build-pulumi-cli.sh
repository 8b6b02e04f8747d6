#!/usr/bin/env bash
# Builds the Pulumi CLI from github.com/pulumi/pulumi/pkg/v3 on the Go module proxy.
#
#   build-pulumi-cli.sh OUTDIR VERSION      e.g.  build-pulumi-cli.sh out 3.248.0
#
# Building inside a copy of the module makes it the main module, so its replaces that name module
# versions keep working; only `sdk/v3 => ../sdk` (a path in the pulumi repository) is pointed at the
# published sdk/v3 of the same version.
set -euo pipefail

die() { printf 'build-pulumi-cli: error: %s\n' "$*" >&2; exit 1; }
[ $# -eq 2 ] || die "usage: $0 OUTDIR VERSION"
version=v${2#v}
command -v go >/dev/null || die "go is not on PATH (Debian: apt-get install golang, or see go.dev)"
command -v jq >/dev/null || die "jq is not on PATH (apt-get install -y jq)"
mkdir -p "$1" && out="$(cd "$1" && pwd)/pulumi"

work=$(mktemp -d "${TMPDIR:-/tmp}/pulumi-cli-build.XXXXXX")
trap 'rm -rf "$work"' EXIT
json=$(cd "$work" && GOFLAGS=-mod=mod go mod download -json "github.com/pulumi/pulumi/pkg/v3@$version") \
  || die "go mod download of github.com/pulumi/pulumi/pkg/v3@$version failed: $(jq -r '.Error // empty' <<<"${json:-}" 2>/dev/null)"
src=$(jq -r '.Dir // empty' <<<"$json")
[ -d "$src" ] || die "no module directory for pkg/v3@$version: $json"
cp -r "$src" "$work/pkg" && chmod -R u+w "$work/pkg"
cd "$work/pkg"
go mod edit -replace "github.com/pulumi/pulumi/sdk/v3=github.com/pulumi/pulumi/sdk/v3@$version"
CGO_ENABLED=0 GOFLAGS="-mod=mod -buildvcs=false" go build -trimpath \
  -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$version" \
  -o "$out.tmp" ./cmd/pulumi || die "go build of ./cmd/pulumi at $version failed (see above)"
mv -f "$out.tmp" "$out"
printf 'built %s (%s)\n' "$out" "$version"
