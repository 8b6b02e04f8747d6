# The pod's cgroup parent, as the kubelet makes one for each pod. Run by the command provider with
# bash; every value comes from the environment (names were checked against a strict pattern first):
#   PODLAB_POD            the pod's name, e.g. foo
#   PODLAB_CGROUP         cgroup name, e.g. pod-foo (cgroupfs driver) or pod-foo.slice (systemd driver)
#   PODLAB_CGROUP_DRIVER  cgroupfs | systemd (Docker's cgroup driver)
#   PODLAB_MEMORY_BYTES   optional pod-level memory limit
#   PODLAB_CPU_QUOTA_US   optional pod-level CPU quota per 100ms period
#   PODLAB_CPU_SHARES     optional pod-level CPU request as cgroup v1 shares (v2: the kubelet's
#                         CpuSharesToCpuWeight of them); unset: the default weight (1024 / 100)
#   PODLAB_LIMITS_FILE    optional: where the pod-level limits are declared for the pod's agent, which
#                         restores them on a pod cgroup that came back without them (agent/podcgroup.go)
#   PODLAB_POST_STARTED_FILE  optional: the pod's record of completed postStart hooks (agent/poststarted.go),
#                         removed with the cgroup: the pod's stop removes it too, but a pod whose `up`
#                         failed before its stop existed has only the cgroup's delete to end it
set -euo pipefail
: "${PODLAB_CGROUP:?}" "${PODLAB_CGROUP_DRIVER:?}"
PODLAB_POD=${PODLAB_POD:-}
PODLAB_MEMORY_BYTES=${PODLAB_MEMORY_BYTES:-}
PODLAB_CPU_QUOTA_US=${PODLAB_CPU_QUOTA_US:-}
PODLAB_CPU_SHARES=${PODLAB_CPU_SHARES:-}
PODLAB_LIMITS_FILE=${PODLAB_LIMITS_FILE:-}
PODLAB_POST_STARTED_FILE=${PODLAB_POST_STARTED_FILE:-}
CPU_PERIOD_US=100000

fail() { echo "podlab cgroup: $*" >&2; exit 1; }

# Declares the pod-level limits for the pod's agent, written aside and moved into place so that the
# agent never reads half a file. Called before the kernel's limits are written: an agent that reads
# the new kernel value against an old declaration would write the old limit back. On systemd the CPU
# quota is declared as systemd enforces it: CPUQuota= takes whole percents (see systemd_properties).
declare_limits() {
  [ -n "$PODLAB_LIMITS_FILE" ] || return 0
  local cpu=$PODLAB_CPU_QUOTA_US
  if [ "$PODLAB_CGROUP_DRIVER" = systemd ] && [ -n "$cpu" ]; then cpu=$((cpu * 100 / CPU_PERIOD_US * CPU_PERIOD_US / 100)); fi
  mkdir -p "$(dirname "$PODLAB_LIMITS_FILE")"
  printf 'memory=%s\ncpu_quota_us=%s\ncpu_shares=%s\n' "$PODLAB_MEMORY_BYTES" "$cpu" "$PODLAB_CPU_SHARES" > "$PODLAB_LIMITS_FILE.tmp"
  mv -f "$PODLAB_LIMITS_FILE.tmp" "$PODLAB_LIMITS_FILE"
}

# The pod's files on the host besides its cgroup: the pod has ended.
forget_pod() {
  [ -z "$PODLAB_LIMITS_FILE" ] || rm -f "$PODLAB_LIMITS_FILE"
  [ -z "$PODLAB_POST_STARTED_FILE" ] || rm -f "$PODLAB_POST_STARTED_FILE"
}

# Every cgroup hierarchy's mount point: one per v1 controller, or the single v2 one.
hierarchies() {
  awk '{ for (i = 7; i <= NF; i++) if ($i == "-") { if ($(i+1) == "cgroup" || $(i+1) == "cgroup2") print $5; break } }' /proc/self/mountinfo
}

unified_only() { [ -f /sys/fs/cgroup/cgroup.controllers ]; }

cgroupfs_create() {
  local created=0 h existing=() foreign
  for h in $(hierarchies); do
    [ -e "$h/$PODLAB_CGROUP" ] && existing+=("$h/$PODLAB_CGROUP")
  done
  if [ ${#existing[@]} -gt 0 ]; then
    foreign=$(foreign_processes "${existing[@]}")
    foreign=${foreign%; }
    [ -z "$foreign" ] || fail "${existing[0]} already exists: another pod named like this one runs on this host (processes that are not pod $PODLAB_POD's: $foreign)"
    echo "adopting cgroup /$PODLAB_CGROUP, left by an interrupted run: it holds no process but pod $PODLAB_POD's"
  fi
  for h in $(hierarchies); do
    [ -d "$h/$PODLAB_CGROUP" ] && continue
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

# cgroup v2's weight for v1 shares: the kubelet's CpuSharesToCpuWeight (pkg/kubelet/cm/cgroup_manager_linux.go).
cpu_weight() { echo $((1 + (($1 - 2) * 9999) / 262142)); }

# Writes the pod-level limits ("max" / -1 when unset) and the weight of its CPU request (the default
# when unset), so an update can also lift them.
cgroupfs_limits() {
  declare_limits
  if unified_only; then
    local dir=/sys/fs/cgroup/$PODLAB_CGROUP
    echo "${PODLAB_MEMORY_BYTES:-max}" > "$dir/memory.max"
    echo "${PODLAB_CPU_QUOTA_US:-max} $CPU_PERIOD_US" > "$dir/cpu.max"
    if [ -n "$PODLAB_CPU_SHARES" ]; then cpu_weight "$PODLAB_CPU_SHARES" > "$dir/cpu.weight"; else echo 100 > "$dir/cpu.weight"; fi
  else
    local mem cpu
    mem=$(hierarchies | grep -E '/memory$|[,/]memory(,|$)' | head -n 1)
    cpu=$(hierarchies | grep -E '/cpu$|[,/]cpu(,|$)' | head -n 1)
    [ -n "$mem" ] && echo "${PODLAB_MEMORY_BYTES:--1}" > "$mem/$PODLAB_CGROUP/memory.limit_in_bytes"
    if [ -n "$cpu" ]; then
      echo "$CPU_PERIOD_US" > "$cpu/$PODLAB_CGROUP/cpu.cfs_period_us"
      echo "${PODLAB_CPU_QUOTA_US:--1}" > "$cpu/$PODLAB_CGROUP/cpu.cfs_quota_us"
      echo "${PODLAB_CPU_SHARES:-1024}" > "$cpu/$PODLAB_CGROUP/cpu.shares"
    fi
  fi
  echo "pod limits: memory=${PODLAB_MEMORY_BYTES:-none} cpu_quota_us=${PODLAB_CPU_QUOTA_US:-none} cpu_shares=${PODLAB_CPU_SHARES:-default}"
}

# The agents that keep the pod (IDs; full ones with --no-trunc): an agent's podlab.dev/agent-of
# lists the pods it keeps, comma-separated (one for a pod's own agent, every pod of a stack for the
# stack's).
pod_agents() {
  docker ps -a "$@" --filter "label=podlab.dev/role=agent" --format '{{.ID}} {{.Label "podlab.dev/agent-of"}}' |
    awk -v pod="$PODLAB_POD" '{ n = split($2, p, ","); for (i = 1; i <= n; i++) if (p[i] == pod) { print $1; break } }'
}

# The pod's containers by podlab's labels (full IDs): its own (podlab.dev/pod) and its agents.
# Nothing without a pod name or a Docker CLI.
pod_containers() {
  [ -n "$PODLAB_POD" ] && command -v docker >/dev/null || return 0
  pod_agents --no-trunc
  docker ps -aq --no-trunc --filter "label=podlab.dev/pod=$PODLAB_POD"
}

# foreign_processes DIR...: for each cgroup at or below the given pod cgroups that holds a process
# which is not in one of the pod's containers, prints "<cgroup>: <pids>"; prints nothing when they
# are free to adopt. A container's processes sit in <pod cgroup>/<id> (cgroupfs driver) or
# <pod slice>/docker-<id>.scope (systemd driver); a process anywhere else is not the pod's.
foreign_processes() {
  local ids dir f rel top pids
  ids=" $(pod_containers | tr '\n' ' ') "
  for dir in "$@"; do
    [ -d "$dir" ] || continue
    while IFS= read -r f; do
      pids=$(tr '\n' ' ' 2>/dev/null < "$f") || continue
      [ -n "${pids// /}" ] || continue
      rel=${f#"$dir"/}
      top=${rel%%/*}
      top=${top#docker-}
      top=${top%.scope}
      if [ "$rel" = cgroup.procs ] || [[ "$ids" != *" $top "* ]]; then
        printf '%s: %s; ' "$(dirname "$f")" "${pids% }"
      fi
    done < <(find "$dir" -name cgroup.procs 2>/dev/null)
  done
  return 0
}

# Containers the pod's agent made again (after a sandbox was removed by hand), or that an interrupted
# `up` made before Pulumi recorded them, are not the ones in Pulumi's state: remove whatever still
# carries the pod's labels, so destroy leaves nothing behind. An agent that keeps the pod goes first
# (a stack's agent that Pulumi still tracks is gone by then: it depends on every pod's cgroup): left running, it
# would make the others again from its snapshots (agent/agent.go), and it has `restart: always`.
# A request it had in flight can still land after it is gone, hence a few rounds. Only containers
# labelled with this pod are touched.
remove_leftovers() {
  [ -n "$PODLAB_POD" ] && command -v docker >/dev/null || return 0
  local agents ids _
  for _ in 1 2 3 4 5; do
    agents=$(pod_agents)
    if [ -n "$agents" ]; then
      echo "removing the pod's agent left behind: $(echo $agents)"
      docker rm -f $agents >/dev/null || true
    fi
    ids=$(docker ps -aq --filter "label=podlab.dev/pod=$PODLAB_POD")
    [ -z "$agents$ids" ] && return 0
    if [ -n "$ids" ]; then
      echo "removing containers left behind (made again by the pod's agent, or by an interrupted update): $(echo $ids)"
      docker rm -f $ids >/dev/null || true
    fi
    sleep 0.5
  done
  agents=$(pod_agents)
  ids=$(docker ps -aq --filter "label=podlab.dev/pod=$PODLAB_POD")
  [ -z "$agents$ids" ] || fail "containers of pod $PODLAB_POD are still there after 5 rounds of removal: $(echo $agents $ids)"
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
  forget_pod
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
  # The CPU request's weight, as runc's systemd driver sets it for the kubelet: CPUShares= on a v1
  # hierarchy, CPUWeight= on v2; without a request the defaults (1024, 100), so an update lifts it.
  if unified_only; then
    echo "CPUWeight=$(if [ -n "$PODLAB_CPU_SHARES" ]; then cpu_weight "$PODLAB_CPU_SHARES"; else echo 100; fi)"
  else
    echo "CPUShares=${PODLAB_CPU_SHARES:-1024}"
  fi
}

systemd_write() {
  { echo "# podlab: the cgroup parent of pod $PODLAB_POD"; echo "[Slice]"; systemd_properties | grep -v '=$'; } > "$(slice_file)"
  systemctl daemon-reload
}

systemd_create() {
  if systemctl is-active --quiet "$PODLAB_CGROUP"; then
    # Active already: adopted when an interrupted run of this pod left it (see cgroupfs_create).
    local cg h dirs=() foreign
    cg=$(systemctl show -P ControlGroup "$PODLAB_CGROUP")
    if [ -n "$cg" ]; then
      for h in $(hierarchies); do [ -d "$h$cg" ] && dirs+=("$h$cg"); done
    fi
    foreign=$(foreign_processes "${dirs[@]}")
    foreign=${foreign%; }
    [ -z "$foreign" ] || fail "slice $PODLAB_CGROUP is already active: another pod named like this one runs on this host (processes that are not pod $PODLAB_POD's: $foreign)"
    declare_limits
    systemd_write
    # shellcheck disable=SC2046 # one word per property
    systemctl set-property --runtime "$PODLAB_CGROUP" $(systemd_properties)
    echo "adopted slice $PODLAB_CGROUP ($cg), left by an interrupted run: it holds no process but pod $PODLAB_POD's"
  else
    declare_limits
    systemd_write
    systemctl start "$PODLAB_CGROUP"
    echo "created slice $PODLAB_CGROUP ($(systemctl show -P ControlGroup "$PODLAB_CGROUP"))"
  fi
  echo "pod limits: memory=${PODLAB_MEMORY_BYTES:-none} cpu_quota_us=${PODLAB_CPU_QUOTA_US:-none} cpu_shares=${PODLAB_CPU_SHARES:-default}"
}

# A limit change applies to the running slice in place: restarting a slice would stop every
# container's scope inside it.
systemd_update() {
  declare_limits
  systemd_write
  # shellcheck disable=SC2046 # one word per property
  systemctl set-property --runtime "$PODLAB_CGROUP" $(systemd_properties)
  echo "updated slice $PODLAB_CGROUP"
  echo "pod limits: memory=${PODLAB_MEMORY_BYTES:-none} cpu_quota_us=${PODLAB_CPU_QUOTA_US:-none} cpu_shares=${PODLAB_CPU_SHARES:-default}"
}

systemd_delete() {
  remove_leftovers
  systemctl stop "$PODLAB_CGROUP" || true
  rm -f "$(slice_file)"
  systemctl daemon-reload
  forget_pod
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
