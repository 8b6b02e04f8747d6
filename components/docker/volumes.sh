# A pod's emptyDir and configMap volumes as directories on the host, as the kubelet keeps them under
# /var/lib/kubelet/pods/<uid>/volumes/: members bind-mount them. Run by the command provider with
# bash; every value comes from the environment (names were checked against strict patterns first):
#   PODLAB_POD_DIR     the pod's directory, /var/lib/podlab/pods/<pod>
#   PODLAB_EMPTY_DIRS  the emptyDir volumes' names, one per line
#   PODLAB_CONFIGMAPS  the configMap volumes' names, one per line (a ConfigMap may have no keys)
#   PODLAB_FILES       the configMap volumes' files, one "<volume>/<key>" per line
#   PODLAB_FILE_<n>    the base64 content of the n-th file (n from 0)
set -euo pipefail
: "${PODLAB_POD_DIR:?}" "${1:?action}"
fail() { echo "podlab volumes: $*" >&2; exit 1; }
[[ "$PODLAB_POD_DIR" =~ ^/var/lib/podlab/pods/[a-z0-9-]+$ ]] || fail "unexpected directory $PODLAB_POD_DIR"
empty=$PODLAB_POD_DIR/volumes/empty-dir
config=$PODLAB_POD_DIR/volumes/configmap

write() {
  local name path var n=0
  # emptyDir: world-writable as the kubelet makes it (0777), kept across updates: it lives as long as the pod.
  while IFS= read -r name; do
    [ -n "$name" ] || continue
    mkdir -p "$empty/$name" && chmod 0777 "$empty/$name"
  done <<< "${PODLAB_EMPTY_DIRS:-}"
  # configMap: the files are written anew, in place, so members' bind mounts see the update.
  mkdir -p "$config"
  find "$config" -mindepth 2 -type f -delete
  while IFS= read -r name; do
    [ -n "$name" ] || continue
    mkdir -p "$config/$name"
  done <<< "${PODLAB_CONFIGMAPS:-}"
  while IFS= read -r path; do
    [ -n "$path" ] || continue
    var="PODLAB_FILE_$n"
    mkdir -p "$config/$(dirname "$path")"
    printf '%s' "${!var}" | base64 -d > "$config/$path"
    chmod 0644 "$config/$path"
    n=$((n + 1))
  done <<< "${PODLAB_FILES:-}"
  echo "volumes under $PODLAB_POD_DIR: emptyDir $(echo ${PODLAB_EMPTY_DIRS:-none}), $n configMap files"
}

case "$1" in
  create | update) write ;;
  delete) rm -rf "$PODLAB_POD_DIR"; echo "removed $PODLAB_POD_DIR" ;;
  *) fail "unknown action $1" ;;
esac
