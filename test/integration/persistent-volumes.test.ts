// PersistentVolumeClaims on both stacks: storage of the stack, not of the pod. Data written through a
// claim survives the pod's replacement; `pulumi destroy` removes the volume, unless its StorageClass's
// reclaimPolicy is Retain, which keeps it (and on the docker-host stack, the next `up` takes it again);
// another stack's volume of the same name is refused before anything is made. The same manifest on the
// local cluster binds to hostPath PersistentVolumes of its default class and keeps the data alike.
import execa from "execa";
import { existsSync, rmSync } from "node:fs";
import { claimRecordFile } from "../../components/docker/paths";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kubectl } from "../../host/cri";
import { requireTools, ScratchStack } from "../../scripts/lib/scratch-stack";
import { ensureCluster } from "./cluster";
import { secondRun } from "./fixtures";
import { destroyAndCheck, wholePod } from "./pod-health";
import { until } from "./wait";

const run = Math.random().toString(36).slice(2, 7);
const name = `pvc${run}`;
const data = `${name}-data`;
const kept = `${name}-kept`;
const keepClass = `${name}-keep`;

/** A claim, of the default class or another. */
const claim = (claimName: string, storageClassName?: string) => ({
  apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: claimName },
  spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "64Mi" } }, ...(storageClassName ? { storageClassName } : {}) },
});

/**
 * The claims, a StorageClass that retains, and a pod mounting them: `data` twice (once read-only),
 * `frozen` read-only by its volume's readOnly. `sleep` tells two pods apart.
 */
function docs(sleep = "3650d", keptClass = keepClass) {
  return [
    { apiVersion: "storage.k8s.io/v1", kind: "StorageClass", metadata: { name: keepClass }, provisioner: "kubernetes.io/host-path", reclaimPolicy: "Retain" },
    claim(data),
    claim(kept, keptClass),
    claim(`${name}-frozen`),
    {
      apiVersion: "v1", kind: "Pod", metadata: { name },
      spec: {
        terminationGracePeriodSeconds: 1,
        volumes: [
          { name: "data", persistentVolumeClaim: { claimName: data } },
          { name: "kept", persistentVolumeClaim: { claimName: kept } },
          { name: "frozen", persistentVolumeClaim: { claimName: `${name}-frozen`, readOnly: true } },
        ],
        containers: [{
          name: "app", image: "curlimages/curl", command: ["sleep", sleep], resources: { limits: { memory: "32Mi" } },
          volumeMounts: [
            { name: "data", mountPath: "/data" }, { name: "data", mountPath: "/data-ro", readOnly: true },
            { name: "kept", mountPath: "/kept" }, { name: "frozen", mountPath: "/frozen" },
          ],
        }],
      },
    },
  ];
}

/** The layout's mounts, the same on both stacks. */
const MOUNTS = ["data:/data", "data:/data-ro:ro", "frozen:/frozen:ro", "kept:/kept"];

const sh = (container: string, script: string) => execa("docker", ["exec", container, "sh", "-c", script]).then((r) => r.stdout);
const volumeExists = async (v: string) => (await execa("docker", ["volume", "ls", "-q", "--filter", `name=^${v}$`])).stdout === v;

describe("PersistentVolumeClaims on the docker-host stack", () => {
  let stack: ScratchStack;
  const config = (sleep?: string, keptClass?: string) => ({ platform: "docker", cgroupDriver: "auto", pods: docs(sleep, keptClass) });

  beforeAll(async () => {
    await requireTools("pulumi", "docker");
    stack = await ScratchStack.create(`pvcs-${run}`, config());
    await stack.up();
  }, 600_000);

  afterAll(async () => {
    await destroyAndCheck(stack, name, `${name}x`);
    await execa("docker", ["volume", "rm", "-f", `pvc_${data}`, `pvc_${kept}`, `pvc_${name}-frozen`]);
  }, 300_000);

  it("mounts each claim's Docker volume, empty and read-only where the volume says", async () => {
    const app = `${name}-app`;
    const mounts = JSON.parse((await execa("docker", ["inspect", "--format", "{{json .Mounts}}", app])).stdout) as { Type: string; Name: string; Destination: string; RW: boolean }[];
    expect(mounts.map((m) => `${m.Type} ${m.Name} ${m.Destination} ${m.RW ? "rw" : "ro"}`).sort()).toEqual([
      `volume pvc_${data} /data rw`, `volume pvc_${data} /data-ro ro`, `volume pvc_${name}-frozen /frozen ro`, `volume pvc_${kept} /kept rw`,
    ]);
    // Nothing of the image copied in (nocopy), as a new PersistentVolume is empty.
    expect(await sh(app, "ls -A /data | wc -l")).toBe("0");
    for (const dir of ["/frozen", "/data-ro"]) await expect(sh(app, `touch ${dir}/x`)).rejects.toThrow(/Read-only file system/);
    const labels = JSON.parse((await execa("docker", ["volume", "inspect", "--format", "{{json .Labels}}", `pvc_${data}`])).stdout);
    expect(labels["podlab.dev/claim"]).toBe(data);
    // The layout the Kubernetes stack's must match (below).
    const [layout] = (await stack.outputs()).layouts;
    expect(layout.containers[0].mounts).toEqual(MOUNTS);
    // What the engine reads back of the mounts (nocopy too) is what the program asks: nothing to change.
    const { planned, upExitCode } = await secondRun(stack);
    expect(Object.keys(planned).filter((op) => op !== "same")).toEqual([]);
    expect(upExitCode).toBe(0);
  }, 120_000);

  it("keeps the data when the pod is replaced: the volumes are the stack's, not the pod's", async () => {
    const before = await wholePod(name, ["app"]);
    await sh(`${name}-app`, "echo hello > /data/f && echo retained > /kept/f");
    stack.setConfig(config("3651d"));
    const preview = await stack.preview({ diff: true });
    const touched = preview.steps.filter((s) => s.op !== "same").map((s) => s.urn.split("::").pop());
    expect(touched).toContain(`${name}-sandbox`);
    expect(touched.filter((u) => u?.startsWith("pvc_"))).toEqual([]);
    await stack.up();
    const after = await wholePod(name, ["app"]);
    expect(after.sandbox.id).not.toBe(before.sandbox.id);
    expect(await sh(`${name}-app`, "cat /data/f /kept/f /data-ro/f")).toBe("hello\nretained\nhello");
  }, 300_000);

  it("keeps a claim's volume through `docker volume prune` while the claim is in the stack, its pod gone: a holder uses it", async () => {
    // A stack holds a pod: another one, which mounts no claim.
    const other = { apiVersion: "v1", kind: "Pod", metadata: { name: `${name}x` }, spec: { terminationGracePeriodSeconds: 1, containers: [{ name: "app", image: "curlimages/curl", command: ["sleep", "3650d"], resources: { limits: { memory: "32Mi" } } }] } };
    stack.setConfig({ platform: "docker", cgroupDriver: "auto", pods: [...docs().filter((d) => d.kind !== "Pod"), other] });
    await stack.up();
    expect((await execa("docker", ["ps", "-q", "--filter", `label=podlab.dev/pod=${name}`])).stdout).toBe("");
    // Docker 20.10's prune removes every named volume no container uses (23.0 and later: with --all).
    await execa("docker", ["volume", "prune", "-f"]);
    await execa("docker", ["volume", "prune", "-f", "--filter", "all=true"]).catch(() => undefined);
    for (const v of [data, kept, `${name}-frozen`]) expect(await volumeExists(`pvc_${v}`), `pvc_${v}`).toBe(true);
    const holder = JSON.parse((await execa("docker", ["inspect", `pvc_${data}`, "--type", "container", "--format", "{{json .}}"])).stdout);
    expect([holder.State.Running, holder.HostConfig.RestartPolicy.Name, holder.HostConfig.NetworkMode]).toEqual([true, "always", "none"]);
    stack.setConfig(config("3651d"));
    await stack.up();
    expect(await sh(`${name}-app`, "cat /data/f /kept/f")).toBe("hello\nretained");
  }, 300_000);

  it("reads a claim whose volume is gone anyway as Lost: refused before anything is made, until the claim is taken out and put back", async () => {
    // The pod that mounts no claim again, then the holder and the volume removed by hand.
    const other = { apiVersion: "v1", kind: "Pod", metadata: { name: `${name}x` }, spec: { terminationGracePeriodSeconds: 1, containers: [{ name: "app", image: "curlimages/curl", command: ["sleep", "3650d"], resources: { limits: { memory: "32Mi" } } }] } };
    const claimsAnd = (keep: (d: any) => boolean) => ({ platform: "docker", cgroupDriver: "auto", pods: [...docs().filter((d) => d.kind !== "Pod" && keep(d)), other] });
    stack.setConfig(claimsAnd(() => true));
    await stack.up();
    await execa("docker", ["rm", "-f", `pvc_${data}`]);
    await execa("docker", ["volume", "rm", `pvc_${data}`]);
    const refused = `PersistentVolumeClaim ${data}: status.phase: "Lost" is the claim's phase: its Docker volume pvc_${data}, which this stack made, is gone from the host`;
    await expect(stack.preview()).rejects.toThrow(refused);
    stack.setConfig(config("3651d"));
    await expect(stack.up()).rejects.toThrow(refused);
    expect(await volumeExists(`pvc_${data}`)).toBe(false);
    // Accepting the loss: the claim out, then back in: a new, empty volume.
    stack.setConfig(claimsAnd((d) => d.metadata.name !== data));
    await stack.up();
    stack.setConfig(config("3651d"));
    await stack.up();
    expect(await sh(`${name}-app`, "ls -A /data | wc -l; cat /kept/f")).toBe("0\nretained");
  }, 400_000);

  it("destroy removes a Delete claim's volume and keeps a Retain one, which the next up takes again", async () => {
    await stack.destroy();
    expect(await volumeExists(`pvc_${data}`)).toBe(false);
    expect(await volumeExists(`pvc_${kept}`)).toBe(true);
    // The claims left the stack: their records too, the retained volume's included (a new stack's claim
    // of that name may take it).
    for (const c of [data, kept]) expect(existsSync(claimRecordFile(c)), claimRecordFile(c)).toBe(false);
    // Another stack may not take it: refused before anything is made.
    const other = await ScratchStack.create(`pvcx-${run}`, config());
    try {
      await expect(other.preview()).rejects.toThrow(new RegExp(`PersistentVolumeClaim ${kept}: metadata.name: "${kept}" needs the Docker volume pvc_${kept}, which exists on this host and is stack .*'s`));
    } finally {
      await other.dispose(false);
    }
    // Nor may the claim's class change, as the API server refuses a change to a claim's spec.
    stack.setConfig(config(undefined, "standard"));
    await expect(stack.preview()).rejects.toThrow(`PersistentVolumeClaim ${kept}: spec.storageClassName: "standard" is not the class of the claim's volume pvc_${kept} (${keepClass})`);
    stack.setConfig(config());
    await stack.up();
    expect(await sh(`${name}-app`, "cat /kept/f; ls -A /data | wc -l")).toBe("retained\n0");
  }, 400_000);
});

describe("the same claims on the local cluster", () => {
  it("binds them to hostPath volumes of the cluster's default class, keeps the data across a new pod, and a new claim gets a new volume", async () => {
    await requireTools("pulumi");
    const cluster = await ensureCluster();
    const config = (sleep?: string, keptClass?: string) => ({ platform: "kubernetes", kubeconfig: cluster.KUBECONFIG, context: cluster.PODLAB_K8S_CONTEXT, readyTimeout: "3m", pods: docs(sleep, keptClass) });
    const kube = await ScratchStack.create(`pvck-${run}`, config());
    const exec = (script: string) => kubectl(cluster, "exec", name, "-c", "app", "--", "sh", "-c", script).then((r) => r.stdout);
    const keptVolumes = async () => JSON.parse((await kubectl(cluster, "get", "pv", "-o", "json")).stdout).items
      .filter((p: any) => p.spec.claimRef?.name === kept).map((p: any) => ({ name: p.metadata.name, path: p.spec.hostPath.path }));
    try {
      await kube.up();
      const pvcs = JSON.parse((await kubectl(cluster, "get", "pvc", data, kept, "-o", "json")).stdout).items;
      expect(pvcs.map((p: any) => `${p.metadata.name} ${p.status.phase} ${p.spec.storageClassName}`)).toEqual([`${data} Bound standard`, `${kept} Bound ${keepClass}`]);
      await exec("echo hello > /data/f && echo retained > /kept/f");
      for (const dir of ["/frozen", "/data-ro"]) await expect(exec(`touch ${dir}/x`)).rejects.toThrow(/Read-only file system/);
      const [kubeLayout] = (await kube.outputs()).layouts;
      expect(kubeLayout.containers[0].mounts).toEqual(MOUNTS);
      kube.setConfig(config("3651d"));
      await kube.up();
      expect(await exec("cat /data/f /kept/f /data-ro/f")).toBe("hello\nretained\nhello");
      // A claim's class cannot change: the API server refuses it in the preview's dry run, as kubectl
      // apply is refused (pulumi-kubernetes would replace the claim: a new, empty volume).
      kube.setConfig(config("3651d", "standard"));
      await expect(kube.preview()).rejects.toThrow(/PersistentVolumeClaim "\w+-kept" is invalid: spec: Forbidden: spec is immutable after creation/);
      await expect(kube.up()).rejects.toThrow(/spec is immutable after creation/);
      expect(await exec("cat /kept/f")).toBe("retained");
      kube.setConfig(config("3651d"));
      await kube.destroy();
      // Retain keeps the PersistentVolume, Released; Delete's goes with its claim (the PV controller's, soon after).
      const ours = async () => JSON.parse((await kubectl(cluster, "get", "pv", "-o", "json")).stdout).items
        .filter((p: any) => [data, kept].includes(p.spec.claimRef?.name)).map((p: any) => `${p.spec.claimRef.name} ${p.spec.persistentVolumeReclaimPolicy} ${p.status.phase}`);
      expect(await until("the Delete claim's PersistentVolume to go", ours, (pvs) => pvs.length === 1, 60)).toEqual([`${kept} Retain Released`]);
      // A new claim of the same name gets a new, empty volume: Kubernetes does not take the kept one again.
      await kube.up();
      expect(await exec("ls -A /kept | wc -l")).toBe("0");
    } finally {
      await kube.dispose();
      // What Retain leaves is the administrator's to remove: the PersistentVolumes and their directories.
      for (const pv of await keptVolumes()) {
        await kubectl(cluster, "delete", "pv", pv.name, "--wait=false").catch(() => undefined);
        rmSync(pv.path, { recursive: true, force: true });
      }
    }
  }, 600_000);
});
