# shellcheck shell=bash
# The playground VM's disk image: Debian bookworm made with debootstrap, as a Vagrant box is made once
# and booted many times. Run by the command provider with bash (or by hand); values come from the
# environment:
#   PODLAB_VM_IMAGE_DIR   where to write disk.raw, vmlinuz and initrd.img (a cache folder keyed by
#                         the hash of this recipe; the caller skips the build when it is complete)
#   PODLAB_DEBIAN_MIRROR  optional, default http://deb.debian.org/debian
# The image holds the base system only. Docker and cgroup-tools are installed by the provisioning step
# (provision.sh), as Vagrant's shell provisioner does; their packages are downloaded here into apt's
# cache, so that provisioning works offline and does not wait on the network from inside the VM.
set -euo pipefail
: "${PODLAB_VM_IMAGE_DIR:?}"
mirror=${PODLAB_DEBIAN_MIRROR:-http://deb.debian.org/debian}
out=$PODLAB_VM_IMAGE_DIR
# The walkthrough's box: 2 vCPUs, 2 GiB, and room for the pod images (sparse: it grows as written).
disk_size=8G
base=systemd-sysv,udev,dbus,kmod,linux-image-amd64,openssh-server,apparmor,iproute2,procps,ca-certificates
provisioned=(docker.io cgroup-tools)

t0=$SECONDS
fail() { echo "podlab vm image: $*" >&2; exit 1; }
for tool in debootstrap mkfs.ext4 chroot; do command -v "$tool" >/dev/null || fail "$tool is missing (apt-get install -y debootstrap e2fsprogs)"; done
[ -f "$out/.complete" ] && { echo "image cached in $out"; exit 0; }
# Built beside the cache entry and moved into place whole: a second build at the same time (CI and a
# playground) never sees half an image.
final=$out
mkdir -p "$(dirname "$final")"
out=$(mktemp -d "$final.build.XXXXXX")
logs=$final.log
mkdir -p "$logs"
root=$(mktemp -d "${TMPDIR:-/tmp}/podlab-vm-root.XXXXXX")
trap 'umount -R "$root/proc" 2>/dev/null || true; rm -rf --one-file-system "$root" "$out"' EXIT

echo "debootstrap bookworm from $mirror"
debootstrap --variant=minbase --include="$base" bookworm "$root" "$mirror" > "$logs/debootstrap.log" 2>&1 \
  || { tail -n 20 "$logs/debootstrap.log" >&2; fail "debootstrap failed: see $logs/debootstrap.log"; }
echo "debootstrap done ($((SECONDS - t0))s)"

echo "podlab-vm" > "$root/etc/hostname"
printf '127.0.0.1 localhost\n127.0.1.1 podlab-vm\n' > "$root/etc/hosts"
echo "/dev/vda / ext4 defaults 0 1" > "$root/etc/fstab"
# qemu's user-mode network: DHCP from 10.0.2.2, DNS at 10.0.2.3.
mkdir -p "$root/etc/systemd/network"
printf '[Match]\nName=en*\n\n[Network]\nDHCP=yes\n' > "$root/etc/systemd/network/10-dhcp.network"
echo "nameserver 10.0.2.3" > "$root/etc/resolv.conf"
chroot "$root" systemctl enable systemd-networkd.service >/dev/null 2>&1

# sshd's host key and root's authorized key are not in the image: the stack that boots a VM makes
# both and hands them in through qemu's fw_cfg, so the host key a client pins is known before boot.
rm -f "$root"/etc/ssh/ssh_host_*
mkdir -p "$root/etc/ssh/sshd_config.d"
printf 'HostKey /etc/ssh/ssh_host_ed25519_key\nPasswordAuthentication no\nPermitRootLogin prohibit-password\nUseDNS no\n' > "$root/etc/ssh/sshd_config.d/podlab.conf"
cat > "$root/usr/local/sbin/podlab-seed" <<'SEED'
#!/bin/sh
# Copies the host key and the authorized key the host passed with qemu's -fw_cfg.
set -eu
modprobe qemu_fw_cfg
dir=/sys/firmware/qemu_fw_cfg/by_name/opt/podlab
install -m 0600 "$dir/host_key/raw" /etc/ssh/ssh_host_ed25519_key
install -d -m 0700 /root/.ssh
install -m 0600 "$dir/authorized_keys/raw" /root/.ssh/authorized_keys
SEED
chmod 0755 "$root/usr/local/sbin/podlab-seed"
cat > "$root/etc/systemd/system/podlab-seed.service" <<'UNIT'
[Unit]
Description=podlab: SSH host key and authorized key from qemu fw_cfg
Before=ssh.service
After=local-fs.target systemd-modules-load.service

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/podlab-seed
RemainAfterExit=yes

[Install]
WantedBy=multi-user.target
UNIT
chroot "$root" systemctl enable podlab-seed.service >/dev/null 2>&1
# The serial console is where a boot that fails to reach SSH says why.
chroot "$root" systemctl enable serial-getty@ttyS0.service >/dev/null 2>&1 || true

echo "downloading the provisioning step's packages (${provisioned[*]})"
mount -t proc proc "$root/proc"
chroot "$root" apt-get update -qq > "$logs/apt.log" 2>&1 || fail "apt-get update in the image failed: see $logs/apt.log"
chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --download-only "${provisioned[@]}" >> "$logs/apt.log" 2>&1 \
  || fail "downloading ${provisioned[*]} failed: see $logs/apt.log"
umount "$root/proc"

cp "$root"/boot/vmlinuz-* "$out/vmlinuz"
cp "$root"/boot/initrd.img-* "$out/initrd.img"
echo "making the ext4 disk ($disk_size, sparse)"
rm -f "$out/disk.raw"
mkfs.ext4 -q -F -L podlab-root -d "$root" "$out/disk.raw" "$disk_size" || fail "mkfs.ext4 -d failed"
touch "$out/.complete"
if ! mv -T "$out" "$final" 2>/dev/null; then
  [ -f "$final/.complete" ] || fail "could not move the image into $final"
  echo "another build finished first: using it"
fi
# Images of older recipes go, unless a running VM still reads one (its disk layer's backing file).
for old in "$(dirname "$final")"/bookworm-*; do
  if [[ ! "$old" =~ /bookworm-[0-9a-f]{12}$ ]] || [ "$old" = "$final" ]; then continue; fi
  pgrep -f -- "$old/" >/dev/null || rm -rf --one-file-system "$old" "$old.log"
done
echo "image built in $((SECONDS - t0))s: $final"
