# A pod's emptyDir, configMap and secret volumes as directories on the host, as the kubelet keeps them
# under /var/lib/kubelet/pods/<uid>/volumes/: members bind-mount them. Run by the command provider with
# bash; every value comes from the environment (names were checked against strict patterns first, and
# are checked again here):
#   PODLAB_POD_DIR     the pod's directory, /var/lib/podlab/pods/<pod>
#   PODLAB_EMPTY_DIRS  the emptyDir volumes' names, one per line
#   PODLAB_MEMORY_DIRS the memory-backed ones (medium: Memory), "<name> <size in bytes, or ->" per line:
#                      each a tmpfs
#   PODLAB_SUBPATHS    "<emptyDir name>/<subPath>" per line: paths mounts use, made when missing
#   PODLAB_FS_GROUP    the pod's fsGroup (a number), or empty: the group the volumes are given
#   PODLAB_CONFIGMAPS  the configMap volumes' names, one per line (a ConfigMap may have no keys)
#   PODLAB_SECRETS     the secret volumes' names, one per line: each a tmpfs, as the kubelet mounts them
#   PODLAB_PROJECTED   the projected and downwardAPI volumes' names, one per line: each a tmpfs too
#   PODLAB_FILES       the volumes' files, one "<configmap|secret|projected>/<volume>/<path> <mode, octal>" per line
#   PODLAB_FILE_<n>    the base64 content of the n-th file (n from 0); never printed
set -euo pipefail
: "${PODLAB_POD_DIR:?}" "${1:?action}"
fail() { echo "podlab volumes: $*" >&2; exit 1; }
[[ "$PODLAB_POD_DIR" =~ ^/var/lib/podlab/pods/[a-z0-9-]+$ ]] || fail "unexpected directory $PODLAB_POD_DIR"
volumes=$PODLAB_POD_DIR/volumes
empty=$volumes/empty-dir

names() { # names KIND: the volume names of a kind, checked
  local list name
  case "$1" in configmap) list=${PODLAB_CONFIGMAPS:-} ;; secret) list=${PODLAB_SECRETS:-} ;; projected) list=${PODLAB_PROJECTED:-} ;; esac
  while IFS= read -r name; do
    [ -n "$name" ] || continue
    [[ "$name" =~ ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$ ]] || fail "unexpected volume name $name"
    echo "$name"
  done <<< "$list"
}

# The kubelet's atomic writer (pkg/volume/util/atomic_writer.go): a volume's files go into a new
# directory ..<timestamp>, the link ..data is swung to it with one rename(2), and each top-level name
# is a link into ..data. A reader sees the old files or the new ones, never a mix, a partial file or
# none; members' bind mounts of the volume's directory see the change at once.
write() {
  local name kind dir line spec mode rest path file var entry size n=0 ts group=${PODLAB_FS_GROUP:-}
  [[ "$group" =~ ^[0-9]*$ ]] || fail "unexpected fsGroup $group"
  # emptyDir: world-writable as the kubelet makes it (0777), kept across updates: it lives as long as the pod.
  while IFS= read -r name; do
    [ -n "$name" ] || continue
    [[ "$name" =~ ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$ ]] || fail "unexpected volume name $name"
    [ -d "$empty/$name" ] || { mkdir -p "$empty/$name" && chmod 0777 "$empty/$name"; }
  done <<< "${PODLAB_EMPTY_DIRS:-}"
  # medium: Memory: a tmpfs, of the sizeLimit when there is one (else the tmpfs default, half the RAM);
  # mounted as the kubelet mounts it, with tmpfs's own root mode (1777: sticky, as /tmp).
  while IFS= read -r line; do
    [ -n "$line" ] || continue
    name=${line% *} size=${line##* }
    [[ "$name" =~ ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$ && "$size" =~ ^([0-9]+|-)$ ]] || fail "unexpected memory emptyDir $line"
    # A changed size is a new pod (the spec label holds it): the tmpfs is made once.
    if mountpoint -q "$empty/$name"; then continue; fi
    if [ "$size" = - ]; then mount -t tmpfs tmpfs "$empty/$name"; else mount -t tmpfs -o "size=$size" tmpfs "$empty/$name"; fi
  done <<< "${PODLAB_MEMORY_DIRS:-}"
  # fsGroup: the kubelet's SetVolumeOwnership (pkg/volume/volume_linux.go): the group owns the volume,
  # directories get set-group-ID (new files inherit the group), files the group's read and write.
  if [ -n "$group" ]; then
    while IFS= read -r name; do
      [ -n "$name" ] || continue
      chgrp -R "$group" "$empty/$name" && chmod g+s "$empty/$name"
    done <<< "${PODLAB_EMPTY_DIRS:-}"
  fi
  # A subPath's directories, made as the kubelet makes them (SafeMakeDir with the volume root's mode),
  # after the root got its group: they inherit it through set-group-ID.
  local root part made parts
  while IFS= read -r path; do
    [ -n "$path" ] || continue
    [[ "$path" != /* && "/$path/" != */../* ]] || fail "unexpected subPath $path"
    root=$empty/${path%%/*}
    [ -d "$root" ] || fail "subPath $path of no emptyDir"
    made=$root
    IFS=/ read -ra parts <<< "${path#*/}"
    for part in "${parts[@]}"; do
      made=$made/$part
      # A container may have put a link there: never follow one out of the volume (the kubelet's
      # SafeMakeDir, for CVE-2017-1002101).
      [ ! -L "$made" ] || fail "subPath $path: $made is a symbolic link, which a subPath may not go through"
      [ -d "$made" ] || { mkdir "$made" && chmod "$(stat -c %a "$root")" "$made"; }
    done
    case "$(realpath -e "$made")/" in "$(realpath -e "$root")"/*) ;; *) fail "subPath $path leaves its volume" ;; esac
  done <<< "${PODLAB_SUBPATHS:-}"
  ts="..$(date -u +%Y_%m_%d_%H_%M_%S.%N)"
  local -a list
  # The names are checked here, in this shell: a check inside $(...) or <(...) could not stop it.
  for kind in configmap secret projected; do names "$kind" > /dev/null; done
  for kind in configmap secret projected; do
    mapfile -t list < <(names "$kind")
    for name in "${list[@]}"; do
      dir=$volumes/$kind/$name
      mkdir -p "$dir"
      # Secret values never touch the host's disk: the kubelet backs secret, projected and downwardAPI
      # volumes with a tmpfs (a memory emptyDir it wraps).
      if [ "$kind" != configmap ] && ! mountpoint -q "$dir"; then mount -t tmpfs -o mode=0755 tmpfs "$dir"; fi
      mkdir -m 0755 "$dir/$ts"
    done
  done
  while IFS= read -r line; do
    [ -n "$line" ] || continue
    spec=${line% *} mode=${line##* }
    kind=${spec%%/*} rest=${spec#*/}
    name=${rest%%/*} path=${rest#*/}
    [[ "$kind" =~ ^(configmap|secret|projected)$ && "$mode" =~ ^[0-7]{1,4}$ && "$path" != /* && "/$path/" != */../* && "/$path/" != */./* ]] || fail "unexpected file $spec"
    [ -d "$volumes/$kind/$name/$ts" ] || fail "file $spec of no volume"
    file=$volumes/$kind/$name/$ts/$path
    mkdir -p "$(dirname "$file")"
    var="PODLAB_FILE_$n"
    printf '%s' "${!var}" | base64 -d > "$file"
    chmod "$mode" "$file"
    # fsGroup on a read-only volume: the group owns it and may read (roMask 0440), as the kubelet sets it.
    if [ -n "$group" ]; then chgrp "$group" "$file" && chmod g+r "$file"; fi
    n=$((n + 1))
  done <<< "${PODLAB_FILES:-}"
  for kind in configmap secret projected; do
    mapfile -t list < <(names "$kind")
    for name in "${list[@]}"; do
      dir=$volumes/$kind/$name
      if [ -n "$group" ]; then find "$dir/$ts" -type d -exec chgrp "$group" {} + -exec chmod g+rxs {} +; fi
      ln -sfn "$ts" "$dir/..data_tmp"
      mv -Tf "$dir/..data_tmp" "$dir/..data"
      # Each top-level name a link into ..data (a file left by an older podlab is replaced once).
      while IFS= read -r entry; do
        [ -n "$entry" ] || continue
        if [ -L "$dir/$entry" ]; then continue; fi
        rm -rf "${dir:?}/$entry"
        ln -s "..data/$entry" "$dir/$entry"
      done < <(find "$dir/$ts" -mindepth 1 -maxdepth 1 -printf '%f\n')
      # Links to names the new files no longer have, and the older timestamped directories.
      while IFS= read -r entry; do
        [ -e "$dir/$ts/$entry" ] || rm -f "${dir:?}/$entry"
      done < <(find "$dir" -mindepth 1 -maxdepth 1 -type l ! -name ..data -printf '%f\n')
      find "$dir" -mindepth 1 -maxdepth 1 -type d -name '..*' ! -name "$ts" -exec rm -rf {} +
    done
  done
  echo "volumes under $PODLAB_POD_DIR: emptyDir $(echo ${PODLAB_EMPTY_DIRS:-none}), $n configMap and secret files"
}

remove() {
  local m
  # The tmpfs of secret volumes and memory emptyDirs first: rm cannot remove a mount point.
  for m in "$volumes"/secret/* "$volumes"/projected/* "$empty"/*; do
    if [ -d "$m" ] && mountpoint -q "$m"; then umount "$m"; fi
  done
  rm -rf "$PODLAB_POD_DIR"
  echo "removed $PODLAB_POD_DIR"
}

case "$1" in
  create | update) write ;;
  delete) remove ;;
  *) fail "unknown action $1" ;;
esac
