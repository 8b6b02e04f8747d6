// The local Kubernetes cluster the kubernetes-platform tests run on (scripts/local-cluster).
import { LocalCluster, localCluster, localClusterEnv, localClusterUp } from "../../host/cri";

/** Brings the local cluster up when its binaries are built; otherwise says how, and fails. */
export async function ensureCluster(): Promise<LocalCluster> {
  const cluster = await localClusterEnv();
  if (await localClusterUp()) return cluster;
  if (process.getuid?.() !== 0) {
    throw new Error("the local Kubernetes cluster is not up, and only root can start it: run 'sudo scripts/local-cluster up'");
  }
  if (cluster.PODLAB_K8S_BUILT !== "1" && process.env.PODLAB_K8S_BUILD !== "1") {
    throw new Error(`the local Kubernetes cluster is not up and its binaries are not built (${cluster.PODLAB_K8S_BIN}): ` +
      "run 'scripts/local-cluster up' first (a cold build of Kubernetes takes minutes), or set PODLAB_K8S_BUILD=1 to let this test build it");
  }
  const r = await localCluster(["up"], 45 * 60_000).catch((e) => e);
  if (r.exitCode !== 0) throw new Error(`'scripts/local-cluster up' failed; see its output and logs in ${cluster.PODLAB_K8S_LOGS}:\n${r.all}`);
  return cluster;
}
