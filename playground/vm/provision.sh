# shellcheck shell=bash
# The playground VM's provisioning step, as Vagrant's shell provisioner runs one: run in the guest as
# root over SSH by the command provider (command:remote:Command). Installs Docker and cgroup-tools
# from the packages the image carries in apt's cache (offline), with Docker's systemd cgroup driver
# (the default of a systemd host on cgroup v2, written down so it never depends on a guess), then
# waits for dockerd. Prints what the host is: its cgroup version, init, Docker and its driver.
set -euo pipefail
t0=$SECONDS
export DEBIAN_FRONTEND=noninteractive
if ! command -v dockerd >/dev/null || ! command -v cgcreate >/dev/null; then
  echo "installing docker.io and cgroup-tools from the image's apt cache"
  # Under emulation every fsync costs: a fresh VM's install needs none of dpkg's (a crash mid-way
  # means provisioning again), and the manual pages' index is not worth rebuilding here.
  rm -f /var/lib/man-db/auto-update
  apt-get install -y -qq --no-download -o Dpkg::Options::=--force-unsafe-io docker.io cgroup-tools >/var/log/podlab-provision.log 2>&1 \
    || { tail -n 20 /var/log/podlab-provision.log >&2; echo "podlab provision: apt-get install failed" >&2; exit 1; }
fi
mkdir -p /etc/docker
want='{ "exec-opts": ["native.cgroupdriver=systemd"] }'
if [ "$(cat /etc/docker/daemon.json 2>/dev/null)" != "$want" ]; then
  echo "$want" > /etc/docker/daemon.json
  systemctl restart docker.service
fi
systemctl enable --now docker.service >/dev/null 2>&1
for _ in $(seq 120); do docker info >/dev/null 2>&1 && break; sleep 1; done
docker info >/dev/null 2>&1 || { journalctl -u docker.service -n 20 --no-pager >&2; echo "podlab provision: dockerd did not answer within 120s" >&2; exit 1; }
cgv=v1; [ -f /sys/fs/cgroup/cgroup.controllers ] && cgv=v2
# shellcheck disable=SC1091 # the guest's own os-release
echo "provisioned in $((SECONDS - t0))s: $(. /etc/os-release; echo "$PRETTY_NAME"), init $(ps -o comm= -p 1), cgroup $cgv, docker $(docker version -f '{{.Server.Version}}') with the $(docker info -f '{{.CgroupDriver}}') cgroup driver"
