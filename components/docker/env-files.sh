# The environment of a pod's containers that start through env-exec (agent/envexec: their env reads a
# Secret, which Docker would show in the container's configuration, or the pod's or host's IP, known
# only at the start) as files on a tmpfs, one per container, which the container bind-mounts
# read-only at /.podlab-env. Run by the command provider with bash; every value comes from the
# environment, which is a Pulumi secret when a Secret is in it:
#   PODLAB_ENV_DIR         /var/lib/podlab/env/<pod>: a tmpfs, so a secret never reaches a disk
#   PODLAB_ENV_CONTAINERS  the containers' names, one per line
#   PODLAB_ENV_<n>         the n-th container's file (from 0), in base64; never printed
set -euo pipefail
: "${PODLAB_ENV_DIR:?}" "${1:?action}"
fail() { echo "podlab env-files: $*" >&2; exit 1; }
[[ "$PODLAB_ENV_DIR" =~ ^/var/lib/podlab/env/[a-z0-9-]+$ ]] || fail "unexpected directory $PODLAB_ENV_DIR"

write() {
  local name var n=0
  mkdir -p "$PODLAB_ENV_DIR"
  # Root's alone on the host: runc bind-mounts each file as root, and the container reads its own.
  if ! mountpoint -q "$PODLAB_ENV_DIR"; then mount -t tmpfs -o mode=0700,size=16m tmpfs "$PODLAB_ENV_DIR"; fi
  while IFS= read -r name; do
    [ -n "$name" ] || continue
    [[ "$name" =~ ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$ ]] || fail "unexpected container name $name"
    var="PODLAB_ENV_$n"
    # Readable by the container's user, whoever the image makes it: the file is mounted in its
    # container alone, whose processes see the values in their environment anyway.
    (umask 0333 && printf '%s' "${!var}" | base64 -d > "$PODLAB_ENV_DIR/.$name.tmp")
    mv -f "$PODLAB_ENV_DIR/.$name.tmp" "$PODLAB_ENV_DIR/$name"
    n=$((n + 1))
  done <<< "${PODLAB_ENV_CONTAINERS:-}"
  echo "the environment of $n containers under $PODLAB_ENV_DIR"
}

remove() {
  if mountpoint -q "$PODLAB_ENV_DIR"; then umount "$PODLAB_ENV_DIR"; fi
  rm -rf "$PODLAB_ENV_DIR"
  echo "removed $PODLAB_ENV_DIR"
}

case "$1" in
  create | update) write ;;
  delete) remove ;;
  *) fail "unknown action $1" ;;
esac
