// Reads a Kubernetes pod's sandbox and containers from the live container runtime (CRI, through
// crictl) of podlab's local cluster (scripts/local-cluster), and the cluster's own settings.
import execa from "execa";
import { resolve } from "node:path";

const LOCAL_CLUSTER = resolve(__dirname, "../scripts/local-cluster");

/** What `scripts/local-cluster env` prints: KUBECONFIG, PODLAB_K8S_CONTEXT, CRICTL, CRICTL_CONFIG, ... */
export interface LocalCluster {
  KUBECONFIG: string;
  PODLAB_K8S_CONTEXT: string;
  PODLAB_K8S_NODE: string;
  CONTAINER_RUNTIME_ENDPOINT: string;
  CRICTL: string;
  CRICTL_CONFIG: string;
  PODLAB_K8S_BUILT: string;
  [key: string]: string;
}

export async function localClusterEnv(): Promise<LocalCluster> {
  const { stdout } = await execa("bash", [LOCAL_CLUSTER, "env"]);
  return Object.fromEntries(stdout.split("\n").filter((l) => l.includes("=")).map((l) => {
    const i = l.indexOf("=");
    return [l.slice(0, i), l.slice(i + 1)];
  })) as LocalCluster;
}

/** Runs `scripts/local-cluster ARGS`; rejects with its output on failure. */
export function localCluster(args: string[], timeoutMs: number) {
  return execa("bash", [LOCAL_CLUSTER, ...args], { all: true, timeout: timeoutMs });
}

/** Whether every process of the local cluster runs and its node is Ready (`local-cluster status`). */
export async function localClusterUp(): Promise<boolean> {
  const r = await execa("bash", [LOCAL_CLUSTER, "status"], { reject: false });
  return r.exitCode === 0;
}

/** crictl against the cluster's containerd. */
export function crictl(cluster: LocalCluster, ...args: string[]) {
  return execa(cluster.CRICTL, ["--config", cluster.CRICTL_CONFIG, ...args]);
}

/** kubectl (from PATH) against the cluster, with its kubeconfig and context. */
export function kubectl(cluster: LocalCluster, ...args: string[]) {
  return execa("kubectl", ["--kubeconfig", cluster.KUBECONFIG, "--context", cluster.PODLAB_K8S_CONTEXT, ...args], { all: true });
}

export interface CriNamespace {
  type: string; // "network", "ipc", "uts", "pid", "mount"
  path?: string; // "/proc/PID/ns/net" when joined from another process, or a netns file
}

export interface CriSandbox {
  id: string;
  name: string;
  namespace: string;
  uid: string;
  state: string; // "SANDBOX_READY"
  pid: number;
  image: string; // the pause image containerd started, e.g. docker.io/podlab/pause:0.1
  cgroupParent: string; // e.g. /kubepods/burstable/pod<uid>
  namespaces: CriNamespace[];
}

export interface CriContainer {
  id: string;
  name: string;
  sandboxId: string;
  state: string; // "CONTAINER_RUNNING"
  pid: number;
  image: string;
  cgroupsPath: string; // e.g. /kubepods/burstable/pod<uid>/<id>
  memoryLimit?: number; // bytes, from the OCI spec containerd gave runc
  namespaces: CriNamespace[];
}

async function inspect(cluster: LocalCluster, verb: "inspectp" | "inspect", id: string): Promise<any> {
  const { stdout } = await crictl(cluster, verb, "-o", "json", id);
  return JSON.parse(stdout);
}

/** The pod sandboxes (any state) of a Kubernetes pod, newest first. */
export async function podSandboxes(cluster: LocalCluster, pod: string, namespace = "default"): Promise<CriSandbox[]> {
  const { stdout } = await crictl(cluster, "pods", "--namespace", namespace, "--name", pod, "-o", "json");
  const items = (JSON.parse(stdout).items ?? []).filter((p: any) => p.metadata.name === pod && p.metadata.namespace === namespace);
  const out: CriSandbox[] = [];
  for (const p of items) {
    const info = (await inspect(cluster, "inspectp", p.id)).info ?? {};
    out.push({
      id: p.id,
      name: p.metadata.name,
      namespace: p.metadata.namespace,
      uid: p.metadata.uid,
      state: p.state,
      pid: info.pid ?? 0,
      image: info.image ?? "",
      cgroupParent: info.config?.linux?.cgroup_parent ?? "",
      namespaces: info.runtimeSpec?.linux?.namespaces ?? [],
    });
  }
  return out.sort((a, b) => (a.state === b.state ? 0 : a.state === "SANDBOX_READY" ? -1 : 1));
}

/** The containers (any state) of a pod sandbox. */
export async function sandboxContainers(cluster: LocalCluster, sandboxId: string): Promise<CriContainer[]> {
  const { stdout } = await crictl(cluster, "ps", "-a", "--pod", sandboxId, "-o", "json");
  const out: CriContainer[] = [];
  for (const c of JSON.parse(stdout).containers ?? []) {
    const doc = await inspect(cluster, "inspect", c.id);
    const spec = doc.info?.runtimeSpec?.linux ?? {};
    out.push({
      id: c.id,
      name: c.metadata.name,
      sandboxId: c.podSandboxId,
      state: c.state,
      pid: doc.info?.pid ?? 0,
      image: doc.status?.image?.image ?? "",
      cgroupsPath: spec.cgroupsPath ?? "",
      memoryLimit: spec.resources?.memory?.limit,
      namespaces: spec.namespaces ?? [],
    });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** Every container of the runtime, any state, that belongs to the named Kubernetes pod. */
export async function podContainerIds(cluster: LocalCluster, pod: string, namespace = "default"): Promise<string[]> {
  const { stdout } = await crictl(cluster, "ps", "-a", "--label", `io.kubernetes.pod.name=${pod}`,
    "--label", `io.kubernetes.pod.namespace=${namespace}`, "-q");
  return stdout.split("\n").filter(Boolean);
}
