#!/usr/bin/env bash
# Builds the Pulumi Kubernetes resource plugin from the Go module proxy (no GitHub downloads).
#
#   build-kubernetes-provider.sh OUTDIR VERSION      e.g.  build-kubernetes-provider.sh out 4.24.1
#
# VERSION is the version the npm SDK asks for; it is stamped into the binary and the embedded schema.
# Environment overrides:
#   K8S_PROVIDER_MODULE_VERSION  provider/v4 module version (the proxy serves only this pseudo-version)
#   K8S_SDK_VERSION              published sdk/v4 that replaces the module's `=> ../sdk`
set -euo pipefail
repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

MODULE=github.com/pulumi/pulumi-kubernetes/provider/v4
SDK_MODULE=github.com/pulumi/pulumi-kubernetes/sdk/v4
# Commit f47bc2d6f199 (2026-01-15) is the one the git tag v4.25.0 points at. Its go.mod requires
# sdk/v4 v4.24.0, which the proxy serves (absent from the proxy's @v/list, but fetchable by exact
# version); the Go SDK code of sdk/v4 v4.24.0, v4.24.1 and v4.25.0 is identical apart from version strings.
MODULE_VERSION=${K8S_PROVIDER_MODULE_VERSION:-v4.0.0-20260115033456-f47bc2d6f199}
SDK_VERSION=${K8S_SDK_VERSION:-v4.24.0}
PKG=./cmd/pulumi-resource-kubernetes
BIN=pulumi-resource-kubernetes

die() { printf 'build-kubernetes-provider: error: %s\n' "$*" >&2; exit 1; }
say() { printf '==> %s\n' "$*"; }

[ $# -eq 2 ] || die "usage: $0 OUTDIR VERSION   (e.g. $0 ./bin 4.24.1)"
OUTDIR=$1
VERSION=${2#v}
[[ $VERSION =~ ^[0-9]+\.[0-9]+\.[0-9]+([-+].*)?$ ]] || die "VERSION must look like 4.24.1, got '$2'"
command -v go >/dev/null || die "go is not on PATH"
command -v jq >/dev/null || die "jq is not on PATH (needed to read 'go mod download -json')"
mkdir -p "$OUTDIR" || die "cannot create OUTDIR $OUTDIR"
OUTDIR=$(cd "$OUTDIR" && pwd)
export CGO_ENABLED=0 GOFLAGS=-mod=mod
t0=$SECONDS

# 1. Download the module (outside any module, so no go.mod is touched) and find its cache dir.
say "downloading $MODULE@$MODULE_VERSION"
work=$(mktemp -d "${TMPDIR:-/tmp}/k8s-provider-build.XXXXXX") || die "mktemp failed under ${TMPDIR:-/tmp}"
# On failure keep the module copy (if any) for inspection; otherwise clean up.
trap 'rc=$?; if [ $rc -ne 0 ] && [ -d "$work/provider" ]; then
  printf "build-kubernetes-provider: scratch copy kept in %s\n" "$work/provider" >&2; else rm -rf "$work"; fi' EXIT
json=$(cd "$work" && go mod download -json "$MODULE@$MODULE_VERSION") \
  || die "go mod download of $MODULE@$MODULE_VERSION failed (GOPROXY=$(go env GOPROXY)): $(jq -r '.Error // empty' <<<"${json:-}" 2>/dev/null)"
src=$(jq -r '.Dir // empty' <<<"$json")
[ -n "$src" ] && [ -d "$src" ] || die "go mod download gave no module directory for $MODULE@$MODULE_VERSION: $json"

(cd "$work" && go mod download "$SDK_MODULE@$SDK_VERSION") \
  || die "$SDK_MODULE@$SDK_VERSION is not served by the Go module proxy (set K8S_SDK_VERSION)"

# 2. Writable copy (the module cache is read-only).
mod="$work/provider"
cp -r "$src" "$mod" && chmod -R u+w "$mod" || die "copying $src to $mod failed"
cd "$mod"

# 3. Point the local-path replace of sdk/v4 at a published version.
say "replacing $SDK_MODULE => $SDK_VERSION"
go mod edit -replace "$SDK_MODULE=$SDK_MODULE@$SDK_VERSION" \
  || die "go mod edit -replace $SDK_MODULE=$SDK_MODULE@$SDK_VERSION failed"

# 3b. podlab's patches (toolchain/kubernetes-provider/*.patch), each saying why in its file name and
# in the README's toolchain table (a Pod replacement's preview, the Pod await's deadline and its stop at
# phase Failed, a claim's spec change sent as an update).
for p in "$repo_root"/toolchain/kubernetes-provider/*.patch; do
  say "applying $(basename "$p")"
  patch -p1 --forward --quiet < "$p" || die "patch $p does not apply to $MODULE@$MODULE_VERSION"
done

# 4. go generate: main.go has `//go:generate go run ./generate.go`, which reads VERSION and writes
#    schema-embed.json (schema.json with .version set) and terraform-mapping-embed.json.
say "go generate $PKG (VERSION=$VERSION)"
VERSION=$VERSION go generate "$PKG" || die "go generate $PKG failed (generate.go writes the embedded schema)"
for f in schema-embed.json terraform-mapping-embed.json; do
  [ -s "$PKG/$f" ] || die "go generate did not produce $PKG/$f"
done

# 5. Build.
say "go build $PKG"
tb=$SECONDS
go build -trimpath -ldflags "-s -w -X $MODULE/pkg/version.Version=$VERSION" \
  -o "$OUTDIR/$BIN.tmp" "$PKG" || die "go build of $PKG from $MODULE@$MODULE_VERSION failed"
mv -f "$OUTDIR/$BIN.tmp" "$OUTDIR/$BIN"
say "built $OUTDIR/$BIN ($(du -h "$OUTDIR/$BIN" | cut -f1)); build $((SECONDS - tb))s, total $((SECONDS - t0))s"
