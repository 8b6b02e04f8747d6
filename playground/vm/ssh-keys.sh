# shellcheck shell=bash
# The playground VM's SSH keys, made by the stack: sshd's host key (handed to the guest before boot,
# so a client pins it instead of trusting its first answer) and root's key pair. Run by the command
# provider with bash; values come from the environment:
#   PODLAB_VM_SSH_DIR  the folder to write (0700); delete removes it
# qemu.sh writes known_hosts once it knows the port. create prints the host's public key, then
# root's private key (the stack keeps its output secret).
set -euo pipefail
: "${PODLAB_VM_SSH_DIR:?}"
dir=$PODLAB_VM_SSH_DIR
case "${1:?action}" in
  create)
    install -d -m 0700 "$dir"
    rm -f "$dir/host_key" "$dir/host_key.pub" "$dir/id_ed25519" "$dir/id_ed25519.pub"
    ssh-keygen -q -t ed25519 -N "" -C "podlab-vm-host" -f "$dir/host_key"
    ssh-keygen -q -t ed25519 -N "" -C "podlab" -f "$dir/id_ed25519"
    echo "made the VM's host key and root's key in $dir"
    cut -d' ' -f1,2 "$dir/host_key.pub"
    # The stack hands root's key to its remote commands (kept secret in its state).
    cat "$dir/id_ed25519" ;;
  delete)
    rm -rf "$dir"
    # The VM's folder, once its run folder (qemu.sh) is gone too.
    rmdir "$(dirname "$dir")" 2>/dev/null || true
    echo "removed $dir" ;;
  *) echo "unknown action $1" >&2; exit 1 ;;
esac
