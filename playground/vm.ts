// The playground VM: a Debian bookworm Docker host booted with qemu, as the walkthrough's Vagrant box
// (2 CPUs, 2 GiB, a shell provisioner that installs Docker). The image is built once per recipe and
// cached; each VM boots a copy-on-write layer over it, with an SSH host key and a root key the stack
// makes, so the docker-host stack can reach it with the host key pinned.
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { bashOn } from "../components/docker/host-command";
import { checkVmArgs, VmArgs, VmSettings } from "./vm-args";

const script = (file: string) => readFileSync(join(__dirname, "vm", file), "utf8");
const BUILD = script("build-image.sh");
const QEMU = script("qemu.sh");
const KEYS = script("ssh-keys.sh");
const PROVISION = script("provision.sh");

/** The image's cache key: a change to its recipe builds a new image (and so boots a new VM). */
export const IMAGE_KEY = createHash("sha256").update(BUILD).digest("hex").slice(0, 12);

/** Where images are cached and VMs keep their disk, keys and serial log. */
export const cacheDir = () => process.env.PODLAB_CACHE ?? join(homedir(), ".cache", "podlab");
export const stateDir = () => process.env.PODLAB_STATE_DIR ?? join(homedir(), ".local", "state", "podlab");

/** What the docker-host stack needs to reach the VM's engine (its podlab:dockerHost). */
export interface VmDockerHost {
  url: string;
  identityFile: string;
  knownHostsFile: string;
  /** This boot of the VM (see SshHost.instance). */
  instance: string;
}

export class PlaygroundVm extends pulumi.ComponentResource {
  readonly settings: VmSettings;
  readonly sshPort: pulumi.Output<number>;
  readonly dockerHost: pulumi.Output<VmDockerHost>;
  /** The provisioning step's summary: the guest's OS, init, cgroup version, Docker and its driver. */
  readonly provisioned: pulumi.Output<string>;
  readonly serialLog: string;

  /**
   * A VM named `name` (a DNS label). Throws a PodSpecError naming the field (`podlab:vm.<field>`)
   * for bad settings, before any resource exists. Children: `<name>-image` (debootstrap, cached under
   * $PODLAB_CACHE/vm/bookworm-<recipe hash>, kept on destroy), `<name>-ssh-keys`, `<name>-qemu` (boots;
   * fails with the serial console's last lines when sshd does not answer; its delete stops qemu and
   * removes the disk layer), `<name>-provision` (command:remote:Command over the pinned host key).
   */
  constructor(name: string, args: VmArgs, opts?: pulumi.ComponentResourceOptions) {
    const settings = checkVmArgs(name, args);
    super("podlab:playground:Vm", name, {}, opts);
    this.settings = settings;
    const imageDir = join(cacheDir(), "vm", `bookworm-${IMAGE_KEY}`);
    const vmDir = join(stateDir(), "vms", name);
    const sshDir = join(vmDir, "ssh");
    const runDir = join(vmDir, "run");
    this.serialLog = join(runDir, "serial.log");

    const image = new command.local.Command(`${name}-image`, {
      create: BUILD,
      interpreter: ["/bin/bash", "-c"],
      environment: { PODLAB_VM_IMAGE_DIR: imageDir, ...(process.env.PODLAB_DEBIAN_MIRROR ? { PODLAB_DEBIAN_MIRROR: process.env.PODLAB_DEBIAN_MIRROR } : {}) },
      triggers: [IMAGE_KEY],
    }, { parent: this });

    const keys = new command.local.Command(`${name}-ssh-keys`, {
      create: `set -- create\n${KEYS}`,
      delete: `set -- delete\n${KEYS}`,
      interpreter: ["/bin/bash", "-c"],
      environment: { PODLAB_VM_SSH_DIR: sshDir },
      // Its stdout holds a private key: no status lines from it.
      logging: "stderr",
    }, { parent: this, additionalSecretOutputs: ["stdout"] });
    // Its output: sshd's public host key (public: not kept secret), then root's private key.
    const hostKey = pulumi.unsecret(keys.stdout.apply((out) => out.split("\n").find((l) => l.startsWith("ssh-ed25519 ")) ?? ""));
    const privateKey = keys.stdout.apply((out) => out.slice(out.indexOf("-----BEGIN")));

    const qemu = new command.local.Command(`${name}-qemu`, {
      create: `set -- create\n${QEMU}`,
      delete: `set -- delete\n${QEMU}`,
      interpreter: ["/bin/bash", "-c"],
      environment: {
        PODLAB_VM_NAME: name, PODLAB_VM_DIR: runDir, PODLAB_VM_IMAGE_DIR: imageDir, PODLAB_VM_SSH_DIR: sshDir,
        PODLAB_VM_CPUS: String(settings.cpus), PODLAB_VM_MEMORY_MIB: String(settings.memoryMiB), PODLAB_VM_ACCEL: settings.accel,
        PODLAB_VM_SSH_PORT: String(settings.sshPort), PODLAB_VM_BOOT_TIMEOUT: String(settings.bootTimeoutSeconds),
      },
      // A new image, new keys or other hardware make a new VM.
      triggers: [IMAGE_KEY, hostKey, settings.cpus, settings.memoryMiB, settings.accel, settings.sshPort],
    }, { parent: this, dependsOn: [image, keys], deleteBeforeReplace: true });
    this.sshPort = qemu.stdout.apply((out) => Number(/ssh-port=(\d+)\s*$/.exec(out)?.[1] ?? 0));

    const provision = new command.remote.Command(`${name}-provision`, {
      connection: {
        host: "127.0.0.1", port: this.sshPort, user: "root", hostKey,
        privateKey,
      },
      create: bashOn(PROVISION),
      triggers: [qemu.id],
    }, { parent: this, dependsOn: [qemu] });
    this.provisioned = provision.stdout.apply((out) => out.trim().split("\n").pop() ?? "");

    // The qemu resource's ID is new with every boot of a new VM: it tells the docker-host stack that
    // another machine answers at the same address.
    this.dockerHost = pulumi.all([this.sshPort, qemu.id, provision.id]).apply(([port, instance]) => ({
      url: `ssh://root@127.0.0.1:${port}`,
      identityFile: join(sshDir, "id_ed25519"),
      knownHostsFile: join(sshDir, "known_hosts"),
      instance,
    }));
    this.registerOutputs({ sshPort: this.sshPort, dockerHost: this.dockerHost, provisioned: this.provisioned, serialLog: this.serialLog });
  }
}
