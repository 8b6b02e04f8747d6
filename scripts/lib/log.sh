# Step logging for the bootstrap: every step prints its name and how long it took.
die() { printf 'bootstrap: error: %s\n' "$*" >&2; exit 1; }
step() {
  local name=$1; shift
  local t0=$SECONDS
  printf '==> %s\n' "$name"
  "$@" || die "step failed: $name"
  printf '    done in %ss: %s\n' "$((SECONDS - t0))" "$name"
}
