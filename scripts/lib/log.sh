# Step logging for podlab's scripts: every step prints its name and how long it took. Steps run with
# errexit in force (never behind `||`, which would switch it off inside them), and the EXIT trap
# names the step that failed.
die() { printf '%s: error: %s\n' "${0##*/}" "$*" >&2; exit 1; }
PODLAB_STEP=
trap 'rc=$?; if [ $rc -ne 0 ] && [ -n "$PODLAB_STEP" ]; then printf "%s: failed during step: %s\n" "${0##*/}" "$PODLAB_STEP" >&2; fi' EXIT
step() {
  local t0=$SECONDS
  PODLAB_STEP=$1; shift
  printf '==> %s\n' "$PODLAB_STEP"
  "$@"
  printf '    %ss\n' "$((SECONDS - t0))"
  PODLAB_STEP=
}
