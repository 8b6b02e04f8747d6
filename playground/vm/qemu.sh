# shellcheck shell=bash
# Boots (create) or stops (delete) the playground VM with qemu. Run by the command provider with bash;
# values come from the environment (checked by playground/vm.ts against strict patterns first):
#   PODLAB_VM_NAME         the VM's name (qemu's -name, and the folder below)
#   PODLAB_VM_DIR          its runtime folder: the disk overlay, the serial log, the pid file
#   PODLAB_VM_IMAGE_DIR    the cached image (disk.raw, vmlinuz, initrd.img) from build-image.sh
#   PODLAB_VM_SSH_DIR      the keys from ssh-keys.sh: host_key (sshd's), id_ed25519.pub (root's)
#   PODLAB_VM_CPUS, PODLAB_VM_MEMORY_MIB, PODLAB_VM_ACCEL (tcg | kvm)
#   PODLAB_VM_SSH_PORT     the loopback port forwarded to the guest's sshd; 0 picks a free one
#   PODLAB_VM_BOOT_TIMEOUT seconds to wait for sshd to answer
# create prints progress, then `ssh-port=<port>` as its last line.
set -euo pipefail
: "${PODLAB_VM_NAME:?}" "${PODLAB_VM_DIR:?}" "${PODLAB_VM_IMAGE_DIR:?}" "${PODLAB_VM_SSH_DIR:?}"
fail() { echo "podlab vm $PODLAB_VM_NAME: $*" >&2; exit 1; }
pidfile=$PODLAB_VM_DIR/qemu.pid
serial=$PODLAB_VM_DIR/serial.log

# Only this VM's qemu: a pid file that outlived a host restart may name another process by now.
running() {
  [ -f "$pidfile" ] || return 1
  local pid; pid=$(cat "$pidfile")
  [[ "$pid" =~ ^[0-9]+$ ]] && tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q -- "^qemu-system-x86_64 -name $PODLAB_VM_NAME "
}

free_port() {
  local p
  for p in $(seq 10022 10999); do
    ss -Hltn "sport = :$p" | grep -q . || { echo "$p"; return; }
  done
  fail "no free loopback port in 10022-10999 for SSH"
}

ssh_ok() {
  ssh -n -F /dev/null -o BatchMode=yes -o ConnectTimeout=5 -o StrictHostKeyChecking=yes \
    -o UserKnownHostsFile="$PODLAB_VM_SSH_DIR/known_hosts" -o GlobalKnownHostsFile=/dev/null \
    -o IdentitiesOnly=yes -i "$PODLAB_VM_SSH_DIR/id_ed25519" \
    -p "$1" root@127.0.0.1 true 2>/dev/null
}

# The boot failed: say why with the serial console's last lines, and leave no qemu behind.
boot_failed() {
  local why=$1
  echo "--- last lines of the serial console ($serial) ---" >&2
  tail -n 25 "$serial" 2>/dev/null | tr -d '\r' >&2 || true
  stop_qemu
  rm -rf "$PODLAB_VM_DIR"
  fail "$why"
}

stop_qemu() {
  running || return 0
  local pid; pid=$(cat "$pidfile")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.2; done
  kill -9 "$pid" 2>/dev/null || true
}

create() {
  local t0=$SECONDS port=${PODLAB_VM_SSH_PORT:-0}
  [ -f "$PODLAB_VM_IMAGE_DIR/.complete" ] || fail "the image in $PODLAB_VM_IMAGE_DIR is not built"
  running && fail "a qemu for $PODLAB_VM_NAME already runs (pid $(cat "$pidfile")): destroy it first"
  for tool in qemu-system-x86_64 qemu-img ssh ss; do command -v "$tool" >/dev/null || fail "$tool is missing (apt-get install -y qemu-system-x86 qemu-utils openssh-client iproute2)"; done
  for dir in "$PODLAB_VM_DIR" "$PODLAB_VM_IMAGE_DIR" "$PODLAB_VM_SSH_DIR"; do
    case "$dir" in *,*) fail "$dir has a comma, which qemu's options cannot take" ;; esac
  done
  [ "$port" = 0 ] && port=$(free_port)
  # The host key was made before boot: pin it for this port (no trust on first use).
  echo "[127.0.0.1]:$port $(cut -d' ' -f1,2 "$PODLAB_VM_SSH_DIR/host_key.pub")" > "$PODLAB_VM_SSH_DIR/known_hosts"
  mkdir -p "$PODLAB_VM_DIR"
  # A fresh copy-on-write layer over the cached image: the image itself is never written.
  rm -f "$PODLAB_VM_DIR/disk.qcow2"
  qemu-img create -q -f qcow2 -b "$PODLAB_VM_IMAGE_DIR/disk.raw" -F raw "$PODLAB_VM_DIR/disk.qcow2"
  : > "$serial"
  # Interrupted or failed before sshd answers: no qemu and no disk layer are left behind.
  trap 'stop_qemu; rm -rf "$PODLAB_VM_DIR"' EXIT
  local accel=tcg,thread=multi
  [ "${PODLAB_VM_ACCEL:-tcg}" = kvm ] && accel=kvm
  qemu-system-x86_64 -name "$PODLAB_VM_NAME" -machine q35 -accel "$accel" \
    -smp "${PODLAB_VM_CPUS:-2}" -m "${PODLAB_VM_MEMORY_MIB:-2048}" \
    -kernel "$PODLAB_VM_IMAGE_DIR/vmlinuz" -initrd "$PODLAB_VM_IMAGE_DIR/initrd.img" \
    -append "root=/dev/vda rw console=ttyS0 systemd.unified_cgroup_hierarchy=1" \
    -drive "file=$PODLAB_VM_DIR/disk.qcow2,if=virtio,format=qcow2" \
    -netdev "user,id=net0,hostfwd=tcp:127.0.0.1:$port-:22" -device virtio-net-pci,netdev=net0 \
    -fw_cfg "name=opt/podlab/host_key,file=$PODLAB_VM_SSH_DIR/host_key" \
    -fw_cfg "name=opt/podlab/authorized_keys,file=$PODLAB_VM_SSH_DIR/id_ed25519.pub" \
    -display none -serial "file:$serial" -daemonize -pidfile "$pidfile" \
    || fail "qemu did not start"
  echo "qemu started (pid $(cat "$pidfile"), accel ${PODLAB_VM_ACCEL:-tcg}, ${PODLAB_VM_CPUS:-2} vCPUs, ${PODLAB_VM_MEMORY_MIB:-2048} MiB), waiting for sshd on 127.0.0.1:$port"
  local deadline=$((SECONDS + ${PODLAB_VM_BOOT_TIMEOUT:-300})) next=$((SECONDS + 15))
  until ssh_ok "$port"; do
    running || boot_failed "qemu exited during boot"
    [ $SECONDS -ge $deadline ] && boot_failed "sshd did not answer on 127.0.0.1:$port within ${PODLAB_VM_BOOT_TIMEOUT:-300}s"
    if [ $SECONDS -ge $next ]; then echo "booting ($((SECONDS - t0))s): $(tail -n 1 "$serial" | tr -d '\r' | cut -c1-100)"; next=$((SECONDS + 15)); fi
    sleep 2
  done
  trap - EXIT
  echo "sshd answered after $((SECONDS - t0))s"
  echo "ssh-port=$port"
}

delete() {
  stop_qemu
  rm -rf "$PODLAB_VM_DIR"
  echo "stopped the VM and removed $PODLAB_VM_DIR"
}

case "${1:?action}" in
  create) create ;;
  delete) delete ;;
  *) fail "unknown action $1" ;;
esac
