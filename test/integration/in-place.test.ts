// A container's image and the pod's labels change in place, on both stacks from one manifest, as
// Kubernetes changes them: the API server lets a Pod's container image change, and the kubelet
// restarts that container alone (its spec hash changed: pkg/kubelet/kuberuntime computePodActions),
// keeping the pod (its UID, IP and emptyDirs), its other containers and its completed init
// containers. `pulumi preview` shows the pod updated, not replaced.
import { existsSync, readFileSync, rmSync } from "node:fs";
import execa from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kubectl } from "../../host/cri";
import { requireTools, ScratchStack } from "../../scripts/lib/scratch-stack";
import { ensureCluster } from "./cluster";
import { expectNothingLeft } from "./pod-health";

const run = Math.random().toString(36).slice(2, 7);
const limits = { limits: { memory: "32Mi" } };
const data = [{ name: "data", mountPath: "/data" }];
const mounts = [...data, { name: "marks", mountPath: "/marks" }];
// Marks its start in the emptyDir; on SIGTERM marks it and its exit (in ns) in the hostPath `marks`.
const loop = (c: string) => ["sh", "-c",
  `echo started >> /data/${c}-starts; trap 'date +%s%N >> /marks/${c}-term; sleep 1; date +%s%N >> /marks/${c}-exit; exit 0' TERM; while :; do sleep 0.2; done`];

/**
 * The pod: an init container that counts its runs in an emptyDir, a sidecar `proxy`, `web` on
 * `image`, and `keep`; `marks` is a host directory (the local cluster's node is this machine too).
 */
function pod(name: string, image: string, tier: string, marks: string) {
  return {
    apiVersion: "v1", kind: "Pod", metadata: { name, labels: { app: name, tier } },
    spec: {
      terminationGracePeriodSeconds: 5,
      volumes: [{ name: "data", emptyDir: {} }, { name: "marks", hostPath: { path: marks, type: "DirectoryOrCreate" } }],
      initContainers: [
        { name: "seed", image: "podlab/curl:0.1", resources: limits, volumeMounts: data, command: ["sh", "-c", "echo seeded >> /data/inits"] },
        { name: "proxy", image: "podlab/curl:0.1", restartPolicy: "Always", resources: limits, volumeMounts: mounts, command: loop("proxy") },
      ],
      containers: [
        { name: "web", image, resources: limits, volumeMounts: mounts, command: loop("web") },
        { name: "keep", image: "podlab/curl:0.1", resources: limits, volumeMounts: mounts, command: loop("keep") },
      ],
    },
  };
}

const marksOf = (dir: string, what: string): number[] =>
  existsSync(`${dir}/${what}`) ? readFileSync(`${dir}/${what}`, "utf8").trim().split("\n").filter(Boolean).map((t) => Number(BigInt(t) / 1_000_000n)) : [];

const REPLACING = ["replace", "create-replacement", "delete-replaced"];
const lines = (s: string) => s.trim().split("\n").filter(Boolean);

describe("an image and a label changed in place, on both stacks", () => {
  const name = `inp${run}`;
  const dockerMarks = `/tmp/podlab-inpd-${run}`;
  const kubeMarks = `/tmp/podlab-inpk-${run}`;
  let docker: ScratchStack | undefined;
  let kube: ScratchStack | undefined;
  let cluster: Awaited<ReturnType<typeof ensureCluster>>;
  const before: Record<string, string> = {};
  let previews: { docker: Awaited<ReturnType<ScratchStack["preview"]>>; kube: Awaited<ReturnType<ScratchStack["preview"]>> };

  const inspect = async (c: string, format: string) => (await execa("docker", ["inspect", "-f", format, c])).stdout;
  const kubePod = async () => JSON.parse((await kubectl(cluster, "get", "pod", name, "-o", "json")).stdout);
  const kubeStatus = (p: any, c: string) => p.status.containerStatuses.find((s: any) => s.name === c);

  beforeAll(async () => {
    await requireTools("pulumi", "docker");
    cluster = await ensureCluster();
    docker = await ScratchStack.create(`inpd-${run}`, { platform: "docker", cgroupDriver: "auto", pods: [pod(name, "podlab/curl:0.1", "a", dockerMarks)] });
    kube = await ScratchStack.create(`inpk-${run}`, {
      platform: "kubernetes", kubeconfig: cluster.KUBECONFIG, context: cluster.PODLAB_K8S_CONTEXT, readyTimeout: "3m", pods: [pod(name, "podlab/curl:0.1", "a", kubeMarks)],
    });
    await Promise.all([docker.up(), kube.up()]);
    const k = await kubePod();
    Object.assign(before, {
      sandbox: await inspect(`${name}-sandbox`, "{{.Id}}"), ip: await inspect(`${name}-sandbox`, "{{.NetworkSettings.IPAddress}}"),
      keep: await inspect(`${name}-keep`, "{{.Id}} {{.State.StartedAt}}"), web: await inspect(`${name}-web`, "{{.Id}}"),
      uid: k.metadata.uid, podIP: k.status.podIP, kubeKeep: kubeStatus(k, "keep").containerID, kubeWeb: kubeStatus(k, "web").containerID,
    });
    docker.setConfig({ platform: "docker", cgroupDriver: "auto", pods: [pod(name, "podlab/grpc-health:0.1", "b", dockerMarks)] });
    kube.setConfig({ platform: "kubernetes", kubeconfig: cluster.KUBECONFIG, context: cluster.PODLAB_K8S_CONTEXT, readyTimeout: "3m", pods: [pod(name, "podlab/grpc-health:0.1", "b", kubeMarks)] });
    previews = { docker: await docker.preview(), kube: await kube.preview() };
    await Promise.all([docker.up(), kube.up()]);
  }, 600_000);

  afterAll(async () => {
    await Promise.all([docker?.dispose(), kube?.dispose()]);
    rmSync(dockerMarks, { recursive: true, force: true });
    rmSync(kubeMarks, { recursive: true, force: true });
  }, 300_000);

  it("previews an update of the pod on both: no replacement of the sandbox, the Kubernetes Pod updated", () => {
    const replaced = (p: typeof previews.docker) => p.steps.filter((s) => REPLACING.includes(s.op)).map((s) => s.urn.split("::").pop());
    expect(replaced(previews.docker)).not.toContain(`${name}-sandbox`);
    expect(replaced(previews.docker)).toContain(`${name}-web`);
    expect(replaced(previews.docker)).not.toContain(`${name}-keep`);
    expect(replaced(previews.kube)).toEqual([]);
    expect(previews.kube.steps.filter((s) => s.urn.endsWith(`kubernetes:core/v1:Pod::${name}`)).map((s) => s.op)).toEqual(["update"]);
  });

  it("restarts only the changed container on docker: the same sandbox and IP, keep untouched, the emptyDir and the init container's run kept", async () => {
    expect(await inspect(`${name}-sandbox`, "{{.Id}}")).toBe(before.sandbox);
    expect(await inspect(`${name}-sandbox`, "{{.NetworkSettings.IPAddress}}")).toBe(before.ip);
    expect(await inspect(`${name}-keep`, "{{.Id}} {{.State.StartedAt}}")).toBe(before.keep);
    expect(await inspect(`${name}-web`, "{{.Id}}")).not.toBe(before.web);
    expect(await inspect(`${name}-web`, "{{.Config.Image}} {{.State.Running}}")).toMatch(/^sha256:[0-9a-f]{64} true$/);
    expect(await inspect(`${name}-web`, "{{.Image}}")).toBe((await execa("docker", ["image", "inspect", "-f", "{{.Id}}", "podlab/grpc-health:0.1"])).stdout);
    const file = async (f: string) => lines((await execa("docker", ["exec", `${name}-keep`, "cat", `/data/${f}`])).stdout);
    expect(await file("inits")).toEqual(["seeded"]);
    expect(await file("web-starts")).toEqual(["started", "started"]);
    expect(await file("keep-starts")).toEqual(["started"]);
    expect(marksOf(dockerMarks, "web-exit")).toHaveLength(1); // its one restart: the grace was kept
    for (const c of ["proxy", "keep"]) expect(marksOf(dockerMarks, `${c}-term`), c).toEqual([]);
  });

  it("does the same on Kubernetes: the same UID and IP, web restarted on the new image when `up` returns, keep untouched, the labels changed", async () => {
    const k = await kubePod();
    expect(k.metadata.uid).toBe(before.uid);
    expect(k.status.podIP).toBe(before.podIP);
    expect(k.metadata.labels.tier).toBe("b");
    expect(kubeStatus(k, "keep").containerID).toBe(before.kubeKeep);
    const web = kubeStatus(k, "web");
    expect([web.image, web.restartCount, web.ready, Object.keys(web.state)]).toEqual(["docker.io/podlab/grpc-health:0.1", 1, true, ["running"]]);
    expect(web.containerID).not.toBe(before.kubeWeb);
    const file = async (f: string) => lines((await kubectl(cluster, "exec", name, "-c", "keep", "--", "cat", `/data/${f}`)).stdout);
    expect(await file("inits")).toEqual(["seeded"]);
    expect(await file("web-starts")).toEqual(["started", "started"]);
  });

  it("ends the changed pod on docker in the kubelet's order: the new web and keep drained, then the sidecar", async () => {
    await docker!.destroy();
    await expectNothingLeft(name);
    // The stop knows the container Pulumi made after it (agent-once.sh: its update's time).
    const web = { term: marksOf(dockerMarks, "web-term"), exit: marksOf(dockerMarks, "web-exit") };
    expect([web.term.length, web.exit.length]).toEqual([2, 2]);
    expect(marksOf(dockerMarks, "keep-exit")).toHaveLength(1);
    const [proxyTerm] = marksOf(dockerMarks, "proxy-term");
    expect(marksOf(dockerMarks, "proxy-exit")).toHaveLength(1);
    expect(proxyTerm, "the sidecar's SIGTERM after the apps exited").toBeGreaterThanOrEqual(Math.max(web.exit[1], marksOf(dockerMarks, "keep-exit")[0]));
  }, 300_000);
});
