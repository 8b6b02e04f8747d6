#!/usr/bin/env bash
# Builds podlab's Pulumi "docker" resource plugin (toolchain/docker-provider) into
# OUTDIR/pulumi-resource-docker: the Terraform Docker provider (kreuzwerker/terraform-provider-docker,
# pinned as TF_DOCKER_MODULE in toolchain/versions.env) bridged with pulumi-terraform-bridge, reporting
# version PULUMI_DOCKER_VERSION (5.0.0) so that the @pulumi/docker npm SDK can use it.
#
#   scripts/toolchain/build-docker-provider.sh OUTDIR
#
# Then register it under the version the npm SDK asks for:
#   pulumi plugin install resource docker 5.0.0 --file OUTDIR/pulumi-resource-docker
#
# Environment (all optional):
#   DOCKER_PROVIDER_WORKDIR  scratch folder to use (kept afterwards); default: a temporary one, removed
#   DOCKER_PROVIDER_SCHEMA   also copy the generated Pulumi schema (JSON) to this path
#
# What it does, in a scratch folder outside the repository (nothing in the repository is modified):
#  1. copies the Terraform provider's module out of the Go module cache (`go mod download`) and adds
#     a package of podlab's own, shim/, that exposes internal/provider.New as shim.NewProvider and the
#     provider's Docker client as shim.DockerClient (Go forbids importing another module's internal/
#     package, so the shim must live inside the module);
#  2. copies Pulumi's fork of terraform-plugin-sdk/v2 (which the bridge needs) out of the module cache
#     and adds one method, GRPCProviderServer.GenerateResourceConfig: the Terraform provider requires
#     terraform-plugin-go v0.31, whose ProviderServer interface gained that method after the fork was cut;
#  3. copies toolchain/docker-provider and points its two placeholder `replace`s at those copies;
#  4. builds and runs cmd/pulumi-tfgen-docker, which writes the Pulumi schema (schema.json), and
#  5. builds cmd/pulumi-resource-docker with that schema embedded (-tags podlab_schema), without the
#     docker_compose resource (-tags no_compose: a terraform-plugin-framework resource that the SDKv2
#     bridge cannot serve anyway).
set -euo pipefail

die() { printf 'build-docker-provider: error: %s\n' "$*" >&2; exit 1; }
say() { printf 'build-docker-provider: %s\n' "$*" >&2; }

[ $# -eq 1 ] && [ -n "$1" ] || die "usage: $0 OUTDIR"
command -v go >/dev/null || die "go is not on PATH"

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
src="$repo/toolchain/docker-provider"
[ -f "$src/go.mod" ] || die "no Go module at $src"
[ -f "$repo/toolchain/versions.env" ] || die "missing $repo/toolchain/versions.env"

# shellcheck source=/dev/null
. "$repo/toolchain/versions.env"
version=${PULUMI_DOCKER_VERSION:-}
tf_module=${TF_DOCKER_MODULE:-}
[ -n "$version" ] || die "PULUMI_DOCKER_VERSION is not set in toolchain/versions.env"
[ -n "$tf_module" ] || die "TF_DOCKER_MODULE is not set in toolchain/versions.env"

# The provider's main package reports provider.Version; refuse to build a plugin whose version
# disagrees with the pin (GetPluginInfo must match what the npm SDK asks for).
grep -q "const Version = \"$version\"" "$src/provider/provider.go" \
  || die "toolchain/docker-provider/provider/provider.go does not declare Version = \"$version\" (PULUMI_DOCKER_VERSION)"

# Module paths as they appear in toolchain/docker-provider/go.mod.
tf_path=github.com/terraform-providers/terraform-provider-docker   # what kreuzwerker's go.mod declares
sdk_path=github.com/hashicorp/terraform-plugin-sdk/v2

mkdir -p "$1" || die "cannot create $1"
out="$(cd "$1" && pwd)/pulumi-resource-docker"

if [ -n "${DOCKER_PROVIDER_WORKDIR:-}" ]; then
  work=$DOCKER_PROVIDER_WORKDIR
  rm -rf "$work/upstream" "$work/sdkv2" "$work/src" "$work/bin"
  mkdir -p "$work"
else
  work=$(mktemp -d "${TMPDIR:-/tmp}/podlab-docker-provider.XXXXXX")
  trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
fi
work=$(cd "$work" && pwd)
say "scratch folder: $work"

export CGO_ENABLED=0
export GOFLAGS="-buildvcs=false"

# Prints the module cache folder of MODULE@VERSION, downloading it when needed.
module_dir() {
  local json dir
  json=$(cd "$work" && GOFLAGS= GO111MODULE=on go mod download -json "$1") \
    || die "go mod download $1 failed (is the Go module proxy reachable, and does it serve this version?)"
  dir=$(printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p')
  [ -n "$dir" ] && [ -d "$dir" ] || die "go mod download $1 reported no module folder:"$'\n'"$json"
  printf '%s\n' "$dir"
}

copy_module() { # SRC DEST
  cp -R "$1" "$2" || die "cannot copy $1 to $2"
  chmod -R u+w "$2"   # the module cache is read-only
}

# 1. The Terraform provider, with the shim package.
say "fetching $tf_module"
tf_dir=$(module_dir "$tf_module")
grep -q "^module $tf_path\$" "$tf_dir/go.mod" \
  || die "$tf_module does not declare module $tf_path in its go.mod; update toolchain/docker-provider/go.mod to match"
[ -d "$tf_dir/internal/provider" ] || die "$tf_module has no internal/provider package"
grep -q '^func New(version string) func() \*schema.Provider' "$tf_dir"/internal/provider/provider.go \
  || die "$tf_module: internal/provider.New(version string) func() *schema.Provider not found; adapt the shim in $0"
copy_module "$tf_dir" "$work/upstream"
# A fix: the provider refuses every volume mount with volume_options (no_copy too) on an engine older
# than API 1.45 (Docker 26), where only a non-empty subpath needs it (moby's own check is
# `VolumeOptions.Subpath != ""`). podlab mounts PersistentVolumeClaims' volumes with no_copy on Debian's
# Docker 20.10. The refusal is kept for a subpath.
funcs="$work/upstream/internal/provider/resource_docker_container_funcs.go"
perl -0pi -e 's/if client\.ClientVersion\(\) >= "1\.45" \{\s*if value, ok := rawVolumeOptions\["subpath"\]; ok \{\s*mountInstance\.VolumeOptions\.Subpath = value\.\(string\)\s*\}\s*\} else \{\s*return diag\.Errorf\("Setting VolumeOptions\.Subpath requires docker version 1\.45 or higher"\)\s*\}/if value, ok := rawVolumeOptions["subpath"]; ok && value.(string) != "" {\n\t\t\t\t\t\t\t\tif client.ClientVersion() < "1.45" {\n\t\t\t\t\t\t\t\t\treturn diag.Errorf("Setting VolumeOptions.Subpath requires docker version 1.45 or higher")\n\t\t\t\t\t\t\t\t}\n\t\t\t\t\t\t\t\tmountInstance.VolumeOptions.Subpath = value.(string)\n\t\t\t\t\t\t\t}/' "$funcs"
grep -q 'ok && value.(string) != ""' "$funcs" || die "$tf_module: the volume_options subpath check was not found in $funcs; adapt the fix in $0"
mkdir -p "$work/upstream/shim"
cat >"$work/upstream/shim/shim.go" <<'EOF'
// Package shim is added by podlab's scripts/toolchain/build-docker-provider.sh: it exposes the
// provider's internal/provider package, which modules outside this one cannot import.
package shim

import (
	"context"

	"github.com/docker/docker/client"
	"github.com/hashicorp/terraform-plugin-sdk/v2/helper/schema"
	"github.com/terraform-providers/terraform-provider-docker/internal/provider"
)

// NewProvider returns the Terraform Docker provider's terraform-plugin-sdk/v2 provider.
func NewProvider() *schema.Provider { return provider.New("dev")() }

// DockerClient returns the Docker client the provider uses for a resource (its configured host).
func DockerClient(ctx context.Context, meta interface{}, d *schema.ResourceData) (*client.Client, error) {
	return meta.(*provider.ProviderConfig).MakeClient(ctx, d)
}
EOF

# 2. Pulumi's fork of terraform-plugin-sdk/v2, at the version toolchain/docker-provider/go.mod names.
sdk_mod=$(sed -n "s|^replace $sdk_path => \([^ ]*\) \(v[^ ]*\)\$|\1@\2|p" "$src/go.mod")
[ -n "$sdk_mod" ] || die "toolchain/docker-provider/go.mod has no 'replace $sdk_path => MODULE VERSION' line"
say "fetching $sdk_mod"
sdk_dir=$(module_dir "$sdk_mod")
copy_module "$sdk_dir" "$work/sdkv2"
if ! grep -rqs 'func (s \*GRPCProviderServer) GenerateResourceConfig(' "$work/sdkv2/helper/schema"; then
  cat >"$work/sdkv2/helper/schema/grpc_provider_podlab.go" <<'EOF'
package schema

import (
	"context"

	"github.com/hashicorp/terraform-plugin-go/tfprotov5"
)

// GenerateResourceConfig completes tfprotov5.ProviderServer for terraform-plugin-go >= v0.30. Added by
// podlab's scripts/toolchain/build-docker-provider.sh; the Pulumi bridge never calls it.
func (s *GRPCProviderServer) GenerateResourceConfig(ctx context.Context, req *tfprotov5.GenerateResourceConfigRequest) (*tfprotov5.GenerateResourceConfigResponse, error) {
	return &tfprotov5.GenerateResourceConfigResponse{
		Diagnostics: []*tfprotov5.Diagnostic{{
			Severity: tfprotov5.DiagnosticSeverityError,
			Summary:  "GenerateResourceConfig is not supported by this build",
		}},
	}, nil
}
EOF
fi

# 3. podlab's bridge module, pointed at the two copies.
mkdir -p "$work/src"
cp -R "$src/." "$work/src/" || die "cannot copy $src"
chmod -R u+w "$work/src"
rm -f "$work/src/cmd/pulumi-resource-docker/schema.json"
(cd "$work/src" && go mod edit \
  -replace "$tf_path=$work/upstream" \
  -replace "$sdk_path=$work/sdkv2") || die "go mod edit failed in $work/src"

# -mod=readonly: build exactly what go.mod/go.sum pin, never rewrite them (a missing go.sum entry is
# an error: refresh toolchain/docker-provider/go.sum with `go mod tidy` in a scratch copy).
build() { # OUT PKG [TAGS]
  (cd "$work/src" && GOFLAGS="-mod=readonly -buildvcs=false" \
    go build -trimpath -tags "$3" -ldflags "-s -w" -o "$1" "$2")
}

start=$(date +%s)
# 4. The schema.
say "building the schema generator (cmd/pulumi-tfgen-docker); the first build takes several minutes"
build "$work/bin/pulumi-tfgen-docker" ./cmd/pulumi-tfgen-docker no_compose \
  || die "go build of cmd/pulumi-tfgen-docker failed (see the errors above)"
"$work/bin/pulumi-tfgen-docker" "$work/src/cmd/pulumi-resource-docker/schema.json" \
  || die "generating the Pulumi schema failed (see the errors above)"
if [ -n "${DOCKER_PROVIDER_SCHEMA:-}" ]; then
  cp "$work/src/cmd/pulumi-resource-docker/schema.json" "$DOCKER_PROVIDER_SCHEMA" \
    || die "cannot write $DOCKER_PROVIDER_SCHEMA"
fi

# 5. The plugin.
say "building cmd/pulumi-resource-docker"
build "$out.tmp" ./cmd/pulumi-resource-docker podlab_schema,no_compose \
  || { rm -f "$out.tmp"; die "go build of cmd/pulumi-resource-docker failed (see the errors above)"; }
got=$("$out.tmp" -version 2>/dev/null) || true
[ "$got" = "$version" ] || { rm -f "$out.tmp"; die "the built plugin reports version '$got', expected '$version'"; }
mv -f "$out.tmp" "$out"
printf 'built %s (version %s, %ss)\n' "$out" "$version" "$(( $(date +%s) - start ))"
