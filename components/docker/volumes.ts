// A pod's emptyDir, configMap and secret volumes on the Docker host: directories under the pod's own
// directory, as the kubelet keeps them under /var/lib/kubelet/pods/<uid>/volumes/, made and kept up
// to date by a command resource `<pod>-volumes` and removed with the pod. Members bind-mount them;
// configMap and secret volumes read-only, as Kubernetes mounts them, their files written the
// kubelet's atomic way (volumes.sh) and a secret volume on a tmpfs. The script is a constant file;
// the values reach it through the environment only, which is a Pulumi secret when a Secret is in it.
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PodSpec } from "../model/pod-spec";
import { emptyDirMemoryBytes } from "../model/volumes";
import { hostCommand, HostCommand, scriptActions } from "./host-command";
import { podDir } from "./paths";
import { DockerTarget } from "./target";

const SCRIPT = readFileSync(join(__dirname, "volumes.sh"), "utf8");

/**
 * The script's environment (see volumes.sh): emptyDir, configMap, secret and projected (downwardAPI
 * too) volume names, the
 * memory-backed emptyDirs with their size (bytes), the emptyDir subPaths mounts use, the pod's fsGroup,
 * and each file as "<configmap|secret|projected>/<volume>/<path> <mode in octal>" with its bytes in base64.
 */
export function volumesEnvironment(spec: PodSpec, nodeMemoryBytes?: number): Record<string, string> {
  const files = spec.volumes.flatMap((v) =>
    "configMap" in v ? v.configMap.files.map((f) => ({ ...f, line: `configmap/${v.name}/${f.path} ${f.mode.toString(8)}` }))
      : "secret" in v ? v.secret.files.map((f) => ({ ...f, line: `secret/${v.name}/${f.path} ${f.mode.toString(8)}` }))
        : "projected" in v ? v.projected.files.map((f) => ({ ...f, line: `projected/${v.name}/${f.path} ${f.mode.toString(8)}` })) : []);
  const names = (kind: "emptyDir" | "configMap" | "secret" | "projected") => spec.volumes.filter((v) => kind in v).map((v) => v.name).join("\n");
  const emptyDirs = new Set(spec.volumes.filter((v) => "emptyDir" in v).map((v) => v.name));
  const subPaths = [...spec.initContainers, ...spec.containers].flatMap((c) => c.mounts.filter((m) => m.subPath && emptyDirs.has(m.volume)).map((m) => `${m.volume}/${m.subPath}`));
  const env: Record<string, string> = {
    PODLAB_POD_DIR: podDir(spec.name),
    PODLAB_EMPTY_DIRS: names("emptyDir"),
    PODLAB_MEMORY_DIRS: spec.volumes.flatMap((v) => ("emptyDir" in v && v.emptyDir.medium === "Memory" ? [`${v.name} ${emptyDirMemoryBytes(spec, v.emptyDir.sizeLimitBytes, nodeMemoryBytes) ?? "-"}`] : [])).join("\n"),
    PODLAB_SUBPATHS: [...new Set(subPaths)].join("\n"),
    PODLAB_FS_GROUP: spec.fsGroup === undefined ? "" : String(spec.fsGroup),
    PODLAB_CONFIGMAPS: names("configMap"),
    PODLAB_SECRETS: names("secret"),
    PODLAB_PROJECTED: names("projected"),
    PODLAB_FILES: files.map((f) => f.line).join("\n"),
  };
  files.forEach((f, i) => (env[`PODLAB_FILE_${i}`] = f.base64));
  return env;
}

/**
 * The command resource `<pod>-volumes`, or undefined when the pod has no emptyDir, configMap or secret
 * volume. `podRecord` is the pod's recorded spec (the sandbox's label): when it changes, the pod is
 * new, and so are its volumes (the command is replaced: its delete removes the old directories). With
 * a secret volume its whole environment is a Pulumi secret: encrypted in the state, "[secret]" in
 * previews. `bootId` is the host's (/proc/sys/kernel/random/boot_id), when known.
 */
export function volumesCommand(spec: PodSpec, podRecord: string, target: DockerTarget, opts: pulumi.CustomResourceOptions, nodeMemoryBytes?: number, bootId?: string): HostCommand | undefined {
  if (!spec.volumes.some((v) => "emptyDir" in v || "configMap" in v || "secret" in v || "projected" in v)) return undefined;
  // The host's boot: a reboot empties the tmpfs volumes, and the next `up` updates the command, which
  // mounts and fills them again.
  const { environment, ...actions } = scriptActions("volumes.sh", SCRIPT, { ...volumesEnvironment(spec, nodeMemoryBytes), ...(bootId ? { PODLAB_BOOT_ID: bootId } : {}) });
  const secret = spec.volumes.some((v) => "secret" in v || ("projected" in v && v.projected.secret));
  return hostCommand(`${spec.name}-volumes`, {
    ...actions,
    environment: secret ? pulumi.secret(environment as Record<string, string>) : environment,
    triggers: [createHash("sha256").update(podRecord).digest("hex")],
  }, target, opts);
}
