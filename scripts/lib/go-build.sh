# Builds a Go command from a module served by the Go module proxy, with that module as the main module.
# Sourced by scripts/bootstrap; needs log.sh.

# go_module_dir MODULE@VERSION -> prints the read-only module cache directory.
go_module_dir() {
  local dir
  dir=$(cd "$PODLAB_GO_WORK" && GOFLAGS=-mod=mod go mod download -json "$1" | node -e '
    let s = ""; process.stdin.on("data", d => (s += d)).on("end", () => {
      const m = JSON.parse(s);
      if (m.Error || !m.Dir) { console.error(m.Error || "no Dir for " + m.Path); process.exit(1); }
      console.log(m.Dir);
    });') || die "go could not download $1 from the Go module proxy (GOPROXY=$(go env GOPROXY))"
  printf '%s\n' "$dir"
}

# go_build_module MODULE@VERSION PACKAGE OUTPUT [go.mod edit flags...] [-- extra go build flags...]
# Copies the module into a scratch folder (the cache copy is read-only), applies `go mod edit` flags
# (used to point local-path replaces at published modules), then builds PACKAGE into OUTPUT.
go_build_module() {
  local modver=$1 pkg=$2 out=$3; shift 3
  local edits=() flags=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do edits+=("$1"); shift; done
  [ "${1:-}" = "--" ] && shift
  flags=("$@")
  local src work
  src=$(go_module_dir "$modver")
  work="$PODLAB_GO_WORK/src/${modver//[\/@]/_}"
  rm -rf "$work"; mkdir -p "$work"
  cp -r "$src/." "$work/"; chmod -R u+w "$work"
  if [ ${#edits[@]} -gt 0 ]; then (cd "$work" && go mod edit "${edits[@]}") || die "go mod edit failed in $work"; fi
  if [ -n "${PODLAB_PRE_BUILD:-}" ]; then (cd "$work" && eval "$PODLAB_PRE_BUILD") || die "preparing $modver failed"; fi
  mkdir -p "$(dirname "$out")"
  (cd "$work" && GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath "${flags[@]}" -o "$out.tmp" "$pkg") \
    || die "go build of $pkg from $modver failed (scratch copy kept in $work)"
  mv "$out.tmp" "$out"
  rm -rf "$work"
}
