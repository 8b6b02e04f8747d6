// The docker-host stack through the real Pulumi engine on the real Docker engine, checked against
// what the kernel reports in /proc and /sys/fs/cgroup.
import execa from "execa";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LABEL_POD } from "../../components/model/labels";
import type { IPod } from "kubernetes-models/v1/Pod";
import { agentsOf, agentStatus } from "../../host/agent";
import { podContainers, LiveContainer } from "../../host/docker";
import { cgroupDirs, cgroupPaths, memoryLimit, namespaceInodes } from "../../host/proc";
import { changes, requireTools, ScratchStack } from "../../scripts/lib/scratch-stack";
import { quickStoppingPod, secondRun } from "./fixtures";
import { waitWhole } from "./pod-health";
import { waitFor } from "./wait";

const run = Math.random().toString(36).slice(2, 7);

const pod = quickStoppingPod;

const stackConfig = (pods: IPod[]) => ({ platform: "docker", cgroupDriver: "auto", sandboxImage: "podlab/pause:0.1", agentImage: "podlab/agent:0.1", pods });
const byRole = (cs: LiveContainer[], name: string) => cs.find((c) => c.name.endsWith(`-${name}`))!;
/** The walkthrough's pod with pod-level limits (spec.resources.limits). */
const limited = (name: string, limits: Record<string, string>) => {
  const p = pod(name);
  p.spec!.resources = { limits };
  return p;
};


describe("docker-host stack", () => {
  const first = `it${run}a`;
  const second = `it${run}b`;
  const other = `it${run}c`;
  let stack: ScratchStack;
  let otherStack: ScratchStack;

  beforeAll(async () => {
    await requireTools("pulumi", "docker");
    stack = await ScratchStack.create(`dh-${run}`, stackConfig([pod(first), limited(second, { memory: "512Mi", cpu: "1500m" })]));
    otherStack = await ScratchStack.create(`dh-${run}-other`, stackConfig([pod(other)]));
    await stack.up();
    await otherStack.up();
  }, 600_000);

  afterAll(async () => {
    await Promise.all([stack?.dispose(), otherStack?.dispose()]);
  }, 600_000);

  it("shares net and IPC with the sandbox, and keeps uts, pid and mnt private", async () => {
    const cs = await podContainers(first);
    expect(cs.map((c) => c.name).sort()).toEqual([`${first}-app`, `${first}-sandbox`, `${first}-sidecar`]);
    const sandbox = namespaceInodes(byRole(cs, "sandbox").pid);
    for (const member of ["app", "sidecar"]) {
      const ns = namespaceInodes(byRole(cs, member).pid);
      expect(ns.net, `${member} net`).toBe(sandbox.net);
      expect(ns.ipc, `${member} ipc`).toBe(sandbox.ipc);
      expect(ns.uts, `${member} uts`).not.toBe(sandbox.uts);
      expect(ns.pid, `${member} pid`).not.toBe(sandbox.pid);
      expect(ns.mnt, `${member} mnt`).not.toBe(sandbox.mnt);
    }
  });

  it("puts every container under the pod's cgroup parent with its own memory limit", async () => {
    const cs = await podContainers(first);
    for (const c of cs) {
      const paths = cgroupPaths(c.pid);
      expect(paths.memory, `${c.name} memory cgroup`).toBe(`/pod-${first}/${c.id}`);
      expect(paths.cpu, `${c.name} cpu cgroup`).toBe(`/pod-${first}/${c.id}`);
    }
    expect(memoryLimit(byRole(cs, "app").pid)).toBe(256 * 2 ** 20);
    expect(memoryLimit(byRole(cs, "sidecar").pid)).toBe(128 * 2 ** 20);
  });

  it("puts pod-level limits on the pod's cgroup parent, else the sum of the containers' limits", async () => {
    const read = (file: string) => Number(readFileSync(file, "utf8"));
    expect(read(`/sys/fs/cgroup/memory/pod-${second}/memory.limit_in_bytes`)).toBe(512 * 2 ** 20);
    expect(read(`/sys/fs/cgroup/cpu/pod-${second}/cpu.cfs_quota_us`)).toBe(150000);
    expect(read(`/sys/fs/cgroup/cpu/pod-${second}/cpu.cfs_period_us`)).toBe(100000);
    // Without pod-level limits: the sum of its containers' (256Mi + 128Mi), as the kubelet's; no CPU
    // limit, as one of them has none.
    expect(read(`/sys/fs/cgroup/memory/pod-${first}/memory.limit_in_bytes`)).toBe(384 * 2 ** 20);
    expect(read(`/sys/fs/cgroup/cpu/pod-${first}/cpu.cfs_quota_us`)).toBe(-1);
  });

  it("lets the sidecar reach the app on localhost", async () => {
    const sidecar = `${first}-sidecar`;
    const body = await waitFor("httpbin answering", async () =>
      (await execa("docker", ["exec", sidecar, "curl", "-sf", "--max-time", "5", "http://localhost:80/get"])).stdout);
    expect(JSON.parse(body).url).toBe("http://localhost/get");
  });

  it("copies the pod's hostname into the members' private UTS namespaces", async () => {
    const cs = await podContainers(first);
    const { stdout } = await execa("docker", ["exec", `${first}-sidecar`, "cat", "/proc/sys/kernel/hostname"]);
    expect(stdout).toBe(first);
    expect(byRole(cs, "sandbox").hostname).toBe(first);
  });

  it("exports the layout it built", async () => {
    const { layouts } = await stack.outputs();
    expect(layouts.map((l: any) => l.pod)).toEqual([first, second]);
    expect(layouts[0]).toMatchObject({ platform: "docker", cgroupParent: `/pod-${first}`, sandbox: "sandbox container" });
    expect(layouts[0].containers[0]).toMatchObject({
      name: "app", image: "podlab/httpbin:0.1", memoryBytes: 256 * 2 ** 20,
      namespaces: { net: "sandbox", ipc: "sandbox", uts: "own, hostname copied", pid: "own", mnt: "own" },
    });
  });

  it("keeps two pods of one stack and a pod of another stack apart", async () => {
    const names = (await Promise.all([first, second, other].map(podContainers))).map((cs) => cs.map((c) => c.name).sort());
    expect(names).toEqual([first, second, other].map((p) => [`${p}-app`, `${p}-sandbox`, `${p}-sidecar`]));
    const nets = await Promise.all([first, second, other].map(async (p) => namespaceInodes(byRole(await podContainers(p), "sandbox").pid).net));
    expect(new Set(nets).size).toBe(3);
  });

  it("keeps the stack's pods with one agent per stack and host, each pod's status apart", async () => {
    expect((await agentsOf(first)).map((a) => [a.name, a.state, a.pods])).toEqual([[stack.agentName, "running", [first, second]]]);
    expect((await agentsOf(other)).map((a) => [a.name, a.pods])).toEqual([[otherStack.agentName, [other]]]);
    const [a, b] = await Promise.all([agentStatus(first), agentStatus(second)]);
    expect([a.pod, a.phase, a.ready, b.pod, b.phase, b.ready]).toEqual([first, "Running", true, second, "Running", true]);
    // Its memory, for the README: one process for every pod of the stack.
    const { stdout } = await execa("docker", ["stats", "--no-stream", "--format", "{{.Name}} {{.MemUsage}}", stack.agentName, otherStack.agentName]);
    console.log(`agents' memory (2 pods, 1 pod): ${stdout.replace(/\n/g, "; ")}`);
  });

  it("previews no changes and updates nothing on a second up", async () => {
    expect(await secondRun(stack)).toEqual({ planned: {}, upExitCode: 0 });
  }, 300_000);

  it("updates a pod-level limit in place: the preview names the cgroup alone, and the containers keep running", async () => {
    const before = (await podContainers(second)).map((c) => c.id);
    stack.setConfig(stackConfig([pod(first), limited(second, { memory: "768Mi", cpu: "1500m" })]));
    const preview = await stack.preview();
    expect(preview.steps.filter((s) => s.op !== "same").map((s) => `${s.op} ${s.urn.split("::").pop()}`)).toEqual([`update ${second}-cgroup`]);
    await stack.up();
    expect((await podContainers(second)).map((c) => c.id)).toEqual(before);
    expect(Number(readFileSync(`/sys/fs/cgroup/memory/pod-${second}/memory.limit_in_bytes`, "utf8"))).toBe(768 * 2 ** 20);
  }, 300_000);

  it("has a container removed behind its back made again by the pod's agent, and adopts it on refresh", async () => {
    const before = byRole(await podContainers(second), "sidecar");
    await execa("docker", ["rm", "-f", before.id]);
    const whole = await waitWhole(second, ["app", "sidecar"], 30);
    expect(whole.members.sidecar.id).not.toBe(before.id);
    await stack.refresh();
    expect(changes(await stack.preview())).toEqual({});
  }, 300_000);

  it("replaces the members with the sandbox, so they never stay in a dead namespace", async () => {
    const before = await podContainers(second);
    const { resources } = await stack.exportStack();
    const sandboxUrn = resources!.map((r) => r.urn).find((u) => u.endsWith(`::${second}-sandbox`))!;
    await stack.up({ replace: [sandboxUrn] });
    const after = await podContainers(second);
    for (const role of ["sandbox", "app", "sidecar"]) expect(byRole(after, role).id, role).not.toBe(byRole(before, role).id);
    const net = namespaceInodes(byRole(after, "sandbox").pid).net;
    for (const role of ["app", "sidecar"]) {
      expect(byRole(after, role).running, role).toBe(true);
      expect(namespaceInodes(byRole(after, role).pid).net, role).toBe(net);
    }
  }, 300_000);

  it("leaves no container and no cgroup of its pods after destroy, and the other stack untouched", async () => {
    await stack.destroy();
    for (const p of [first, second]) {
      const { stdout } = await execa("docker", ["ps", "-aq", "--filter", `label=${LABEL_POD}=${p}`]);
      expect(stdout, `containers of ${p}`).toBe("");
      expect(cgroupDirs(`pod-${p}`), `cgroups of ${p}`).toEqual([]);
    }
    expect((await podContainers(other)).every((c) => c.running)).toBe(true);
    expect(cgroupDirs(`pod-${other}`).length).toBeGreaterThan(0);
    await otherStack.destroy();
    expect(cgroupDirs(`pod-${other}`)).toEqual([]);
  }, 300_000);
});

describe("docker-host stack with bad input", () => {
  beforeAll(async () => {
    await requireTools("pulumi", "docker");
  });

  const cases: [string, (p: any) => void, string][] = [
    ["a pod name with shell characters", (p) => (p.metadata.name = "foo;touch /tmp/pwned"), 'Pod foo;touch /tmp/pwned: metadata.name: Invalid value: "foo;touch /tmp/pwned": a lowercase RFC 1123 subdomain must consist of'],
    ["a pod name over the length limit", (p) => (p.metadata.name = "p".repeat(51)), `metadata.name: "${"p".repeat(51)}" is longer than 50 characters`],
    ["a memory limit such as 256Xi", (p) => (p.spec.containers[0].resources.limits.memory = "256Xi"), 'Pod in version "v1" cannot be handled as a Pod: quantities must match the regular expression'],
    ["a negative memory limit", (p) => (p.spec.containers[1].resources.limits.memory = "-128Mi"), 'spec.containers[1].resources.limits[memory]: Invalid value: "-128Mi": must be greater than or equal to 0'],
    ["two containers with one name", (p) => (p.spec.containers[1].name = "app"), 'spec.containers[1].name: Duplicate value: "app"'],
    ["two containers on one port", (p) => (p.spec.containers[1].ports = [{ containerPort: 80 }]), 'spec.containers[1].ports[0].containerPort: 80 is already used by container "app"'],
    ["an unknown field", (p) => (p.spec.containers[1].memory = "128Mi"), 'Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.containers[1].memory"'],
    ["a wrong type", (p) => (p.spec.containers[0].ports[0].containerPort = "80"), 'json: cannot unmarshal string into Go struct field ContainerPort.spec.containers.ports.containerPort of type int32'],
    ["a field the docker platform does not render", (p) => (p.spec.hostNetwork = true), "spec.hostNetwork: true is not supported on the docker platform (a pod there always has its own namespaces)"],
    // Issue 18, cases 1 and 2: what Docker would refuse only after the sandbox exists, and what the API server refuses.
    ["two mounts Docker cleans to one path", (p) => { p.spec.volumes = [{ name: "a", emptyDir: {} }, { name: "b", emptyDir: {} }]; p.spec.containers[1].volumeMounts = [{ name: "a", mountPath: "/data" }, { name: "b", mountPath: "/data/" }]; },
      'spec.containers[1].volumeMounts[1].mountPath: "/data/" is the mount point of volumeMounts[0] once cleaned ("/data"): the Docker engine refuses the container ("Duplicate mount point: /data")'],
    ["a hostPath with '..'", (p) => { p.spec.volumes = [{ name: "logs", hostPath: { path: "/var/log/x/../../../etc" } }]; p.spec.containers[1].volumeMounts = [{ name: "logs", mountPath: "/host-logs" }]; },
      `spec.volumes[0].hostPath.path: Invalid value: "/var/log/x/../../../etc": must not contain '..'`],
    ["an image the engine does not have", (p) => (p.spec.containers[0].image = "podlab/not-built:0.1"), `Pod it${run}x: spec.containers[0].image (after podlab:images): "podlab/not-built:0.1" is not on the Docker engine`],
  ];

  it.each(cases)("refuses %s before creating anything", async (_, edit, message) => {
    const bad = pod(`it${run}x`);
    edit(bad);
    const s = await ScratchStack.create(`bad-${run}-${Math.random().toString(36).slice(2, 6)}`, stackConfig([bad]));
    try {
      const result = await s.up().catch((e) => e);
      expect(result.exitCode).not.toBe(0);
      expect(result.all).toContain(message);
      const types = ((await s.exportStack()).resources ?? []).map((r) => r.type);
      expect(types.filter((t: string) => t !== "pulumi:pulumi:Stack")).toEqual([]);
      const { stdout: ps } = await execa("docker", ["ps", "-aq", "--filter", `label=${LABEL_POD}=${bad.metadata!.name}`]);
      expect(ps).toBe("");
    } finally {
      await s.dispose();
    }
  }, 120_000);
});
