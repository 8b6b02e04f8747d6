// The playground VM's settings (stack config podlab:vm), checked before any resource exists.
import { DNS_LABEL, PodSpecError, readyTimeoutSeconds } from "../components/model/validate";

/** podlab:vm as written in stack config. */
export interface VmArgs {
  /** vCPUs (default 2, the walkthrough box's). */
  cpus?: number;
  /** Memory in MiB (default 2048). */
  memoryMiB?: number;
  /** qemu's accelerator: tcg (default; works everywhere) or kvm (where /dev/kvm boots a guest). */
  accel?: string;
  /** The loopback port forwarded to the guest's sshd; 0 (default) picks a free one. */
  sshPort?: number;
  /** How long to wait for sshd after qemu starts, as a duration ("5m"); default 5m. */
  bootTimeout?: string;
}

export interface VmSettings {
  cpus: number;
  memoryMiB: number;
  accel: "tcg" | "kvm";
  sshPort: number;
  bootTimeoutSeconds: number;
}

const FIELDS = ["cpus", "memoryMiB", "accel", "sshPort", "bootTimeout"];

/**
 * Checks the VM's name (a DNS label: it names folders and qemu's process) and settings; the defaults
 * are the walkthrough's Vagrant box (2 CPUs, 2 GiB). Throws a PodSpecError naming `podlab:vm.<field>`.
 */
export function checkVmArgs(name: string, args: VmArgs | undefined): VmSettings {
  if (!DNS_LABEL.test(name) || name.length > 63) throw new PodSpecError("podlab:vm name", name, "is not a DNS label (lowercase letters, digits and '-')");
  const a = (args ?? {}) as Record<string, unknown>;
  if (typeof a !== "object" || Array.isArray(a)) throw new PodSpecError("podlab:vm", args, "is not a mapping");
  for (const key of Object.keys(a)) if (!FIELDS.includes(key)) throw new PodSpecError(`podlab:vm.${key}`, a[key], `is not a setting of the VM (${FIELDS.join(", ")})`);
  const int = (key: string, def: number, min: number, max: number) => {
    const v = a[key] ?? def;
    if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) throw new PodSpecError(`podlab:vm.${key}`, v, `is not an integer from ${min} to ${max}`);
    return v;
  };
  const accel = a.accel ?? "tcg";
  if (accel !== "tcg" && accel !== "kvm") throw new PodSpecError("podlab:vm.accel", accel, "is not tcg or kvm");
  const bootTimeoutSeconds = readyTimeoutSeconds("podlab:vm.bootTimeout", a.bootTimeout ?? "5m");
  const sshPort = int("sshPort", 0, 0, 65535);
  if (sshPort !== 0 && sshPort < 1024) throw new PodSpecError("podlab:vm.sshPort", sshPort, "is not 0 (pick a free port) or from 1024 to 65535");
  return { cpus: int("cpus", 2, 1, 64), memoryMiB: int("memoryMiB", 2048, 512, 262144), accel, sshPort, bootTimeoutSeconds };
}
