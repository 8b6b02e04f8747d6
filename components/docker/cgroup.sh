# The pod's cgroup parent, as the kubelet makes one for each pod. Run by the command provider with
# bash; every value comes from the environment (names were checked against a strict pattern first):
#   PODLAB_POD            the pod's name, e.g. foo
#   PODLAB_CGROUP         cgroup name, e.g. pod-foo (cgroupfs driver) or pod-foo.slice (systemd driver)
#   PODLAB_CGROUP_DRIVER  cgroupfs | systemd (Docker's cgroup driver)
#   PODLAB_MEMORY_BYTES   optional pod-level memory limit
#   PODLAB_CPU_QUOTA_US   optional pod-level CPU quota per 100ms period
#   PODLAB_LIMITS_FILE    optional: where the pod-level limits are declared for the pod's agent, which
#                         restores them on a pod cgroup that came back without them (agent/podcgroup.go)
set -euo pipefail
: "${PODLAB_CGROUP:?}" "${PODLAB_CGROUP_DRIVER:?}"
PODLAB_POD=${PODLAB_POD:-}
PODLAB_MEMORY_BYTES=${PODLAB_MEMORY_BYTES:-}
PODLAB_CPU_QUOTA_US=${PODLAB_CPU_QUOTA_US:-}
PODLAB_LIMITS_FILE=${PODLAB_LIMITS_FILE:-}
CPU_PERIOD_US=100000

fail() { echo "podlab cgroup: $*" >&2; exit 1; }

# Declares the pod-level limits for the pod's agent, written aside and moved into place so that the
# agent never reads half a file.
declare_limits() {
  [ -n "$PODLAB_LIMITS_FILE" ] || return 0
  mkdir -p "$(dirname "$PODLAB_LIMITS_FILE")"
  printf 'memory=%s\ncpu_quota_us=%s\n' "$PODLAB_MEMORY_BYTES" "$PODLAB_CPU_QUOTA_US" > "$PODLAB_LIMITS_FILE.tmp"
  mv -f "$PODLAB_LIMITS_FILE.tmp" "$PODLAB_LIMITS_FILE"
}

forget_limits() { [ -z "$PODLAB_LIMITS_FILE" ] || rm -f "$PODLAB_LIMITS_FILE"; }

# Every cgroup hierarchy's mount point: one per v1 controller, or the single v2 one.
hierarchies() {
  awk '{ for (i = 7; i <= NF; i++) if ($i == "-") { if ($(i+1) == "cgroup" || $(i+1) == "cgroup2") print $5; break } }' /proc/self/mountinfo
}

unified_only() { [ -f /sys/fs/cgroup/cgroup.controllers ]; }

cgroupfs_create() {
  local created=0 h dir
  for h in $(hierarchies); do
    dir="$h/$PODLAB_CGROUP"
    [ -e "$dir" ] && fail "$dir already exists: another pod named like this one runs on this host (remove it with 'rmdir $dir' if it is a leftover)"
  done
  for h in $(hierarchies); do
    mkdir "$h/$PODLAB_CGROUP" && created=$((created + 1))
  done
  if unified_only; then
    # cgroup v2: the pod's containers get limits only from controllers delegated to them.
    local root=/sys/fs/cgroup c
    for c in cpu memory pids; do
      grep -qw "$c" "$root/cgroup.subtree_control" || echo "+$c" > "$root/cgroup.subtree_control"
      echo "+$c" > "$root/$PODLAB_CGROUP/cgroup.subtree_control"
    done
  fi
  echo "created cgroup /$PODLAB_CGROUP in $created hierarchies"
  cgroupfs_limits
}

# Writes the pod-level limits ("max" / -1 when unset), so an update can also lift them.
cgroupfs_limits() {
  if unified_only; then
    local dir=/sys/fs/cgroup/$PODLAB_CGROUP
    echo "${PODLAB_MEMORY_BYTES:-max}" > "$dir/memory.max"
    echo "${PODLAB_CPU_QUOTA_US:-max} $CPU_PERIOD_US" > "$dir/cpu.max"
  else
    local mem cpu
    mem=$(hierarchies | grep -E '/memory$|[,/]memory(,|$)' | head -n 1)
    cpu=$(hierarchies | grep -E '/cpu$|[,/]cpu(,|$)' | head -n 1)
    [ -n "$mem" ] && echo "${PODLAB_MEMORY_BYTES:--1}" > "$mem/$PODLAB_CGROUP/memory.limit_in_bytes"
    if [ -n "$cpu" ]; then
      echo "$CPU_PERIOD_US" > "$cpu/$PODLAB_CGROUP/cpu.cfs_period_us"
      echo "${PODLAB_CPU_QUOTA_US:--1}" > "$cpu/$PODLAB_CGROUP/cpu.cfs_quota_us"
    fi
  fi
  declare_limits
  echo "pod limits: memory=${PODLAB_MEMORY_BYTES:-none} cpu_quota_us=${PODLAB_CPU_QUOTA_US:-none}"
}

# Containers the pod's agent made again (after a sandbox was removed by hand) are not the ones in
# Pulumi's state: remove whatever still carries the pod's label, so destroy leaves nothing behind.
# Only containers labelled with this pod are touched.
remove_leftovers() {
  [ -n "$PODLAB_POD" ] && command -v docker >/dev/null || return 0
  local ids
  ids=$(docker ps -aq --filter "label=podlab.dev/pod=$PODLAB_POD")
  [ -z "$ids" ] && return 0
  echo "removing containers the pod's agent made: $(echo $ids)"
  docker rm -f $ids >/dev/null
}

# Removes the pod's cgroup everywhere. Containers are removed first (they depend on it), but the
# kernel can take a moment to release their cgroups, so retry for a while.
cgroupfs_delete() {
  local h dir tries
  remove_leftovers
  for h in $(hierarchies); do
    dir="$h/$PODLAB_CGROUP"
    [ -d "$dir" ] || continue
    for tries in $(seq 50); do
      rmdir "$dir" 2>/dev/null && break
      [ "$tries" = 50 ] && fail "could not remove $dir: $(ls "$dir" | grep -c . || true) entries, members still inside: $(find "$dir" -mindepth 1 -type d | head -n 3 | tr '\n' ' ')"
      sleep 0.2
    done
  done
  forget_limits
  echo "removed cgroup /$PODLAB_CGROUP"
}

# systemd driver: Docker asks systemd to put each container in a scope under the slice. The slice is a
# unit file in /etc (not a transient one in /run), so that after a reboot the restarted containers
# land in a slice that has the pod's limits again; destroy removes it.
slice_file() { echo "/etc/systemd/system/$PODLAB_CGROUP"; }

systemd_properties() {
  # infinity and an empty CPUQuota lift a limit an earlier update set.
  echo "MemoryMax=${PODLAB_MEMORY_BYTES:-infinity}"
  if [ -n "$PODLAB_CPU_QUOTA_US" ]; then echo "CPUQuota=$((PODLAB_CPU_QUOTA_US * 100 / CPU_PERIOD_US))%"; else echo "CPUQuota="; fi
}

systemd_write() {
  { echo "# podlab: the cgroup parent of pod $PODLAB_POD"; echo "[Slice]"; systemd_properties | grep -v '=$'; } > "$(slice_file)"
  systemctl daemon-reload
}

systemd_create() {
  systemctl is-active --quiet "$PODLAB_CGROUP" && fail "slice $PODLAB_CGROUP is already active: another pod named like this one runs on this host"
  systemd_write
  systemctl start "$PODLAB_CGROUP"
  declare_limits
  echo "created slice $PODLAB_CGROUP ($(systemctl show -P ControlGroup "$PODLAB_CGROUP"))"
  echo "pod limits: memory=${PODLAB_MEMORY_BYTES:-none} cpu_quota_us=${PODLAB_CPU_QUOTA_US:-none}"
}

# A limit change applies to the running slice in place: restarting a slice would stop every
# container's scope inside it.
systemd_update() {
  systemd_write
  # shellcheck disable=SC2046 # one word per property
  systemctl set-property --runtime "$PODLAB_CGROUP" $(systemd_properties)
  declare_limits
  echo "updated slice $PODLAB_CGROUP"
  echo "pod limits: memory=${PODLAB_MEMORY_BYTES:-none} cpu_quota_us=${PODLAB_CPU_QUOTA_US:-none}"
}

systemd_delete() {
  remove_leftovers
  systemctl stop "$PODLAB_CGROUP" || true
  rm -f "$(slice_file)"
  systemctl daemon-reload
  forget_limits
  echo "removed slice $PODLAB_CGROUP"
}

case "$PODLAB_CGROUP_DRIVER:${1:?action}" in
  cgroupfs:create) cgroupfs_create ;;
  cgroupfs:update) cgroupfs_limits ;;
  cgroupfs:delete) cgroupfs_delete ;;
  systemd:create) systemd_create ;;
  systemd:update) systemd_update ;;
  systemd:delete) systemd_delete ;;
  *) fail "unknown driver or action: $PODLAB_CGROUP_DRIVER $1" ;;
esac
