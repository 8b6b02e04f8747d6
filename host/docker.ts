// Reads a Docker pod's containers from the live engine of the target host (local, or over SSH).
import execa from "execa";
import { DockerTarget, onHost } from "../components/docker/target";
import { LABEL_CONTAINER, LABEL_POD, LABEL_ROLE } from "../components/model/labels";

export interface LiveContainer {
  id: string;
  name: string;
  pid: number;
  image: string;
  running: boolean;
  /** When it last started (Docker's State.StartedAt, RFC 3339). */
  startedAt: string;
  hostname: string;
  cgroupParent: string;
  memory: number;
  networkMode: string;
  ipcMode: string;
  labels: Record<string, string>;
}

/** The docker CLI on the target host. */
export const docker = (target: DockerTarget, args: string[], options?: execa.Options) => execa(...onHost(target, ["docker", ...args]), options);

/** The containers of the target host's engine, by id or name. */
export async function inspectContainers(ids: string[], target?: DockerTarget): Promise<LiveContainer[]> {
  if (ids.length === 0) return [];
  const { stdout } = await docker(target, ["inspect", ...ids]);
  const containers = JSON.parse(stdout);
  // Containers are made from image IDs: name each image by its tag, as a person would.
  const imageIds = [...new Set<string>(containers.map((c: any) => c.Image))];
  const images = JSON.parse((await docker(target, ["image", "inspect", ...imageIds])).stdout);
  const tagOf = new Map<string, string>(images.map((i: any) => [i.Id, i.RepoTags?.[0] ?? i.Id]));
  return containers.map((c: any) => ({
    id: c.Id,
    name: c.Name.replace(/^\//, ""),
    pid: c.State.Pid,
    image: tagOf.get(c.Image) ?? c.Config.Image,
    running: c.State.Running,
    startedAt: c.State.StartedAt,
    hostname: c.Config.Hostname,
    cgroupParent: c.HostConfig.CgroupParent,
    memory: c.HostConfig.Memory,
    networkMode: c.HostConfig.NetworkMode,
    ipcMode: c.HostConfig.IpcMode,
    labels: c.Config.Labels ?? {},
  }));
}

/** Every container (running or not) labelled as a member or sandbox of the pod, on the target host. */
export async function podContainersOn(target: DockerTarget, pod: string): Promise<LiveContainer[]> {
  const { stdout } = await docker(target, ["ps", "-aq", "--no-trunc", "--filter", `label=${LABEL_POD}=${pod}`]);
  const all = await inspectContainers(stdout.split("\n").filter(Boolean), target);
  return all.sort((a, b) => roleOrder(a) - roleOrder(b) || a.name.localeCompare(b.name));
}

/** podContainersOn the local engine; one parameter, so that `pods.map(podContainers)` works. */
export const podContainers = (pod: string) => podContainersOn(undefined, pod);

const roleOrder = (c: LiveContainer) => (c.labels[LABEL_ROLE] === "sandbox" ? 0 : 1);
export const containerName = (c: LiveContainer) => c.labels[LABEL_CONTAINER] ?? c.name;
