// What the Docker engine refuses when a container is created, checked before any resource exists, so
// that `up` never stops half-way on it (the sandbox made, a member refused). Each rule is read from
// the engine's container-create validation, github.com/docker/docker (moby) v28.5.2, whose rules
// Debian's 20.10 engine shares:
//   daemon/container.go       verifyContainerSettings -> validateContainerConfig (translateWorkingDir),
//                             validateHostConfig (volume/mounts ValidateMountConfig, validateCapabilities)
//   daemon/daemon_unix.go     verifyPlatformContainerSettings (memory, reservation, CPU quota)
//   daemon/volumes.go         registerMountPoints ("Duplicate mount point")
//   volume/mounts/linux_parser.go  linuxValidateNotRoot, linuxValidateAbsolute (mount targets, bind sources)
//   oci/caps/utils.go         NormalizeLegacyCapabilities ("unknown capability")
// The memory rules (at least 6 MiB, whole MiB) are in validate.ts (checkMemory); a request above its
// limit ("Minimum memory limit can not be less than memory reservation limit") is the API server's too.
import { posix } from "node:path";
import type { MountSpec } from "./pod-spec";
import { PodSpecError } from "./validate";

/**
 * Mount targets of one container as the engine takes them: absolute, not "/", and distinct once
 * cleaned (path.Clean: "/data" and "/data/" are one mount point, which the API server's exact-string
 * uniqueness lets through). `at` is the container's path ("pods/foo.yaml: Pod foo: spec.containers[0]").
 * Throws a PodSpecError at volumeMounts[j].mountPath.
 * Source: volume/mounts/linux_parser.go (linuxValidateAbsolute: "mount path must be absolute";
 * linuxValidateNotRoot: "destination can't be '/'"); daemon/volumes.go registerMountPoints
 * ("Duplicate mount point", keyed by the cleaned destination).
 */
export function checkMountTargets(at: string, mounts: MountSpec[]): void {
  const seen = new Map<string, number>();
  mounts.forEach((m, j) => {
    const field = `${at}.volumeMounts[${j}].mountPath`;
    if (!posix.isAbsolute(m.mountPath)) throw new PodSpecError(field, m.mountPath, "is not an absolute path, which the Docker engine needs for a mount target (\"mount path must be absolute\")");
    const clean = posix.normalize(m.mountPath).replace(/(.)\/+$/, "$1");
    if (clean === "/") throw new PodSpecError(field, m.mountPath, "is the root directory, which the Docker engine refuses as a mount target (\"destination can't be '/'\")");
    const first = seen.get(clean);
    if (first !== undefined) {
      throw new PodSpecError(field, m.mountPath, `is the mount point of volumeMounts[${first}] once cleaned (${JSON.stringify(clean)}): the Docker engine refuses the container ("Duplicate mount point: ${clean}")`);
    }
    seen.set(clean, j);
  });
}

/**
 * A hostPath's path as a bind mount's source: absolute (the API server accepts a relative one; the
 * engine does not). `..` elements are the API server's refusal already. Throws a PodSpecError.
 * Source: volume/mounts/linux_parser.go validateMountConfigImpl, TypeBind: linuxValidateAbsolute(Source).
 */
export function checkHostPath(field: string, path: string): void {
  if (!posix.isAbsolute(path)) throw new PodSpecError(field, path, "is not an absolute path, which the Docker engine needs for a bind mount's source (\"mount path must be absolute\")");
}

/**
 * A working directory as the engine takes it: absolute (the API server accepts any). Throws a PodSpecError.
 * Source: daemon/container.go translateWorkingDir ("the working directory '%s' is invalid, it needs to be an absolute path").
 */
export function checkWorkingDir(field: string, dir: string): void {
  if (!posix.isAbsolute(dir)) throw new PodSpecError(field, dir, "is not an absolute path: the Docker engine refuses a relative working directory");
}

/**
 * The Linux capabilities the engine knows (CAP_CHOWN = 0 ... CAP_CHECKPOINT_RESTORE = 40, Linux 5.9),
 * without their CAP_ prefix, as Kubernetes writes them.
 * Source: oci/caps/utils.go knownCapabilities (github.com/moby/sys/capability's list).
 */
export const KNOWN_CAPABILITIES: ReadonlySet<string> = new Set([
  "CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID", "SETPCAP",
  "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER",
  "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT", "SYS_NICE",
  "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP",
  "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF",
  "CHECKPOINT_RESTORE",
]);

/**
 * Whether a capability is written with the CAP_ prefix, which names no capability to Kubernetes'
 * runtime (from-manifest.ts prefixedCapabilities): the one test of it.
 */
export const hasCapPrefix = (c: string) => /^CAP_/i.test(c);

/**
 * capabilities.add and drop as the engine takes them: ALL, or a known capability, in any case (the
 * API server accepts any string). A name with the CAP_ prefix is not checked: the reading leaves it
 * out, as Kubernetes' runtime does (from-manifest.ts prefixedCapabilities). `field` is the
 * capabilities' path. Throws a PodSpecError at add[i] or drop[i].
 * Source: oci/caps/utils.go NormalizeLegacyCapabilities ("unknown capability: %q"), called by
 * daemon/container.go validateCapabilities at create.
 */
export function checkCapabilities(field: string, caps: { add?: string[]; drop?: string[] } | undefined): void {
  for (const list of ["add", "drop"] as const) {
    (caps?.[list] ?? []).forEach((c, i) => {
      const name = c.toUpperCase();
      if (!hasCapPrefix(c) && name !== "ALL" && !KNOWN_CAPABILITIES.has(name)) {
        throw new PodSpecError(`${field}.${list}[${i}]`, c, `is not a Linux capability the Docker engine knows (it refuses CAP_${name}: "unknown capability")`);
      }
    });
  }
}

/** The least CFS quota the engine (and the kernel) takes: 1 ms of each 100 ms period, i.e. 10m of CPU. */
export const MIN_CPU_MILLIS = 10;

/**
 * A CPU limit as a CFS quota over podlab's 100 ms period: at least 1 ms, so at least 10m (the kubelet
 * raises a smaller quota to 1 ms; podlab refuses it rather than run something else). Throws a PodSpecError.
 * Source: daemon/daemon_unix.go verifyPlatformContainerSettings ("CPU cfs quota can not be less than 1ms (i.e. 1000)").
 */
export function checkCpuQuota(field: string, value: unknown, millis: number): void {
  if (millis < MIN_CPU_MILLIS) {
    throw new PodSpecError(field, value, `is below ${MIN_CPU_MILLIS}m: Docker's CFS quota over a 100 ms period must be at least 1 ms ("CPU cfs quota can not be less than 1ms")`);
  }
}
