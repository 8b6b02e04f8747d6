#!/usr/bin/env bash
# Builds the benchmark's peer into OUTDIR (the benchmark's own cache folder, outside the clone):
# OpenTofu's CLI (OUTDIR/tofu, from OPENTOFU_MODULE) and the Terraform Docker provider
# (OUTDIR/providers/terraform-provider-docker, from TF_DOCKER_MODULE: the provider podlab's docker
# plugin bridges), both from the Go module proxy, and a CLI config (OUTDIR/tofurc) that points tofu at
# that provider binary (dev_overrides: nothing is downloaded). Skips the work when OUTDIR/.complete
# exists.
#   scripts/toolchain/build-tofu.sh OUTDIR
set -euo pipefail
die() { printf 'build-tofu: error: %s\n' "$*" >&2; exit 1; }
[ $# -eq 1 ] || die "usage: $0 OUTDIR"
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=/dev/null
. "$repo/toolchain/versions.env"
out=$1
[ -f "$out/.complete" ] && exit 0
mkdir -p "$out/providers"
out=$(cd "$out" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/podlab-tofu.XXXXXX")
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
export CGO_ENABLED=0 GOFLAGS="-buildvcs=false"

# A module whose go.mod has replace directives builds only as the main module: copy it out first.
module_copy() { # MODULE@VERSION DEST
  local dir
  dir=$(cd "$work" && GOFLAGS= go mod download -json "$1" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p')
  [ -n "$dir" ] || die "go mod download $1 failed (does the Go module proxy serve it?)"
  cp -R "$dir" "$2" && chmod -R u+w "$2"
}

t0=$(date +%s)
echo "build-tofu: building OpenTofu ($OPENTOFU_MODULE); the first build takes several minutes" >&2
module_copy "$OPENTOFU_MODULE" "$work/tofu"
(cd "$work/tofu" && go build -trimpath -ldflags "-s -w" -o "$out/tofu" ./cmd/tofu) || die "go build of OpenTofu failed"
echo "build-tofu: building the Terraform Docker provider ($TF_DOCKER_MODULE)" >&2
module_copy "$TF_DOCKER_MODULE" "$work/provider"
(cd "$work/provider" && go build -trimpath -ldflags "-s -w" -o "$out/providers/terraform-provider-docker" .) || die "go build of the Docker provider failed"
cat > "$out/tofurc" <<RC
provider_installation {
  dev_overrides {
    "kreuzwerker/docker" = "$out/providers"
  }
  direct {}
}
RC
touch "$out/.complete"
echo "build-tofu: built $(TF_CLI_CONFIG_FILE="$out/tofurc" "$out/tofu" version | head -n 1) and the Docker provider in $(( $(date +%s) - t0 ))s" >&2
