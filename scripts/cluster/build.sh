#!/usr/bin/env bash
# Builds the Kubernetes node/control-plane binaries podlab's local cluster needs, from the Go module
# proxy only (no git, no release downloads):
#
#   build.sh OUTDIR K8S_VERSION CRICTL_VERSION     e.g.  build.sh out v1.34.4 v1.34.0
#
# Produces OUTDIR/{kube-apiserver,kube-controller-manager,kube-scheduler,kubelet,crictl}.
#
# k8s.io/kubernetes' go.mod replaces every k8s.io/<staging> module with ./staging/src/..., which the
# module zip does not contain. So a throwaway wrapper module (in a scratch dir) requires
# k8s.io/kubernetes and replaces each staging module with its published v0.<minor>.<patch> version;
# the replace list is generated from k8s.io/kubernetes' own go.mod. All four Kubernetes commands are
# compiled by one `go build` (they share most packages). crictl gets its own wrapper module, so that
# cri-tools' newer dependency versions do not change what the Kubernetes binaries are built with.
set -euo pipefail

die() { printf 'cluster/build.sh: error: %s\n' "$*" >&2; exit 1; }
say() { printf '[%s] build: %s\n' "$(date +%H:%M:%S)" "$*"; }

[ $# -eq 3 ] || die "usage: $0 OUTDIR K8S_VERSION CRICTL_VERSION   (e.g. $0 out v1.34.4 v1.34.0)"
OUTDIR=$1 K8S_VERSION=$2 CRICTL_VERSION=$3
[[ $K8S_VERSION =~ ^v1\.([0-9]+)\.([0-9]+)$ ]] || die "K8S_VERSION must look like v1.34.4, got '$K8S_VERSION'"
minor=${BASH_REMATCH[1]} patch=${BASH_REMATCH[2]}
STAGING_VERSION=v0.$minor.$patch
command -v go >/dev/null || die "go is not on PATH"
mkdir -p "$OUTDIR"; OUTDIR=$(cd "$OUTDIR" && pwd)
export CGO_ENABLED=0 GOFLAGS=-mod=mod GOTOOLCHAIN=local
work=$(mktemp -d "${TMPDIR:-/tmp}/podlab-k8s-build.XXXXXX")
trap 'rm -rf "$work"' EXIT

say "go $(go env GOVERSION); downloading k8s.io/kubernetes@$K8S_VERSION"
gomod=$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/^\s*"GoMod": "\(.*\)",\?$/\1/p')
[ -f "$gomod" ] || die "the Go module proxy did not serve k8s.io/kubernetes@$K8S_VERSION (go mod download failed)"

# Staging modules = the left-hand sides of `k8s.io/x => ./staging/src/k8s.io/x` in kubernetes' go.mod.
mapfile -t staging < <(sed -n 's#^\s*\(k8s\.io/[A-Za-z0-9._-]*\)\s*=>\s*\./staging/src/.*#\1#p' "$gomod" | sort -u)
[ ${#staging[@]} -gt 10 ] || die "found only ${#staging[@]} staging replaces in $gomod: has its layout changed?"
say "${#staging[@]} staging modules, replaced by their published $STAGING_VERSION"

mkdir -p "$work/k8s" "$work/crictl"
{
  echo "module podlab.local/k8s-build"
  echo
  echo "go $(sed -n 's/^go \(.*\)/\1/p' "$gomod")"
  echo
  echo "require k8s.io/kubernetes $K8S_VERSION"
  echo
  echo "replace ("
  for m in "${staging[@]}"; do echo "	$m => $m $STAGING_VERSION"; done
  echo ")"
} > "$work/k8s/go.mod"

ldflags="-s -w"
for v in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags+=" -X $v.gitVersion=$K8S_VERSION -X $v.gitMajor=1 -X $v.gitMinor=$minor -X $v.gitTreeState=clean"
  ldflags+=" -X $v.buildDate=1970-01-01T00:00:00Z"
done

cmds=(kube-apiserver kube-controller-manager kube-scheduler kubelet)
pkgs=(); for c in "${cmds[@]}"; do pkgs+=("k8s.io/kubernetes/cmd/$c"); done
t0=$SECONDS
say "resolving the dependency graph (go mod download of what ${cmds[*]} import)"
(cd "$work/k8s" && go get "${pkgs[@]/%/@$K8S_VERSION}" >/dev/null 2>"$work/get.log") \
  || { cat "$work/get.log" >&2; die "go get of the Kubernetes commands failed (a module missing on the proxy?)"; }
say "compiling ${cmds[*]} (one go build; cold ~8 min on 2 cores, ~30 s with a warm Go build cache)"
(cd "$work/k8s" && go build -trimpath -ldflags "$ldflags" -o "$OUTDIR/" "${pkgs[@]}")
say "kubernetes binaries done in $((SECONDS - t0))s"

t0=$SECONDS
cat > "$work/crictl/go.mod" <<EOF
module podlab.local/crictl-build

go 1.24

require sigs.k8s.io/cri-tools $CRICTL_VERSION
EOF
(cd "$work/crictl" && go get "sigs.k8s.io/cri-tools/cmd/crictl@$CRICTL_VERSION" >/dev/null 2>"$work/get.log") \
  || { cat "$work/get.log" >&2; die "go get sigs.k8s.io/cri-tools@$CRICTL_VERSION failed"; }
say "compiling crictl $CRICTL_VERSION"
(cd "$work/crictl" && go build -trimpath -ldflags "-s -w -X sigs.k8s.io/cri-tools/pkg/version.Version=$CRICTL_VERSION" \
  -o "$OUTDIR/crictl" sigs.k8s.io/cri-tools/cmd/crictl)
say "crictl done in $((SECONDS - t0))s"

for c in "${cmds[@]}" crictl; do [ -x "$OUTDIR/$c" ] || die "$OUTDIR/$c was not produced"; done
"$OUTDIR/kubelet" --version
