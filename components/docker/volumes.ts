// A pod's emptyDir and configMap volumes on the Docker host: directories under the pod's own
// directory, as the kubelet keeps them under /var/lib/kubelet/pods/<uid>/volumes/, made and kept up
// to date by a command resource `<pod>-volumes` and removed with the pod. Members bind-mount them;
// configMap volumes read-only, as Kubernetes mounts them. The script is a constant file; the values
// reach it through the environment only.
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PodSpec } from "../model/pod-spec";
import { hostCommand, HostCommand, scriptActions } from "./host-command";
import { podDir } from "./paths";
import { DockerTarget } from "./target";

const SCRIPT = readFileSync(join(__dirname, "volumes.sh"), "utf8");

/** The script's environment: emptyDir names, configMap files (volume/key, checked names) in base64. */
export function volumesEnvironment(spec: PodSpec): Record<string, string> {
  const files = spec.volumes.flatMap((v) => ("configMap" in v ? v.configMap.files.map((f) => ({ path: `${v.name}/${f.key}`, content: f.content })) : []));
  const env: Record<string, string> = {
    PODLAB_POD_DIR: podDir(spec.name),
    PODLAB_EMPTY_DIRS: spec.volumes.filter((v) => "emptyDir" in v).map((v) => v.name).join("\n"),
    PODLAB_CONFIGMAPS: spec.volumes.filter((v) => "configMap" in v).map((v) => v.name).join("\n"),
    PODLAB_FILES: files.map((f) => f.path).join("\n"),
  };
  files.forEach((f, i) => (env[`PODLAB_FILE_${i}`] = Buffer.from(f.content, "utf8").toString("base64")));
  return env;
}

/**
 * The command resource `<pod>-volumes`, or undefined when the pod has no emptyDir or configMap
 * volume. `podRecord` is the pod's recorded spec (the sandbox's label): when it changes, the pod is
 * new, and so are its volumes (the command is replaced: its delete removes the old directories).
 */
export function volumesCommand(spec: PodSpec, podRecord: string, target: DockerTarget, opts: pulumi.CustomResourceOptions): HostCommand | undefined {
  if (!spec.volumes.some((v) => "emptyDir" in v || "configMap" in v)) return undefined;
  return hostCommand(`${spec.name}-volumes`, {
    ...scriptActions("volumes.sh", SCRIPT, volumesEnvironment(spec)),
    triggers: [createHash("sha256").update(podRecord).digest("hex")],
  }, target, opts);
}
