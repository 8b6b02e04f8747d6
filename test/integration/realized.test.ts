// Both stacks up on one machine, compared as the live host runs them: `compare --live` reads
// namespaces by /proc inode, cgroups and memory limits from Docker's and the cluster's processes.
import execa from "execa";
import { readdirSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localClusterEnv } from "../../host/cri";
import { containerName, podContainers } from "../../host/docker";
import { liveDockerPod, liveKubernetesPod } from "../../host/live";
import { requireTools, ScratchStack } from "../../scripts/lib/scratch-stack";
import { ensureCluster } from "./cluster";
import { quickStoppingPod } from "./fixtures";
import { cpuWeightFile } from "./pod-health";
import { until } from "./wait";

const TOP = resolve(__dirname, "../..");

/** The CPU weight of a process's cgroup: "shares N" (cgroup v1's cpu.shares) or "weight N" (v2's cpu.weight). */
function cpuWeightOf(pid: number): string {
  const file = cpuWeightFile(pid);
  return `${file.endsWith("cpu.shares") ? "shares" : "weight"} ${readFileSync(file, "utf8").trim()}`;
}

/** The lowest PID of the host's processes in the namespace of this type and inode, from /proc/<pid>/ns. */
function lowestPidIn(type: string, inode: string): number {
  const pids = readdirSync("/proc").filter((e) => /^\d+$/.test(e)).map(Number).sort((a, b) => a - b);
  for (const pid of pids) {
    try {
      if (readlinkSync(`/proc/${pid}/ns/${type}`) === `${type}:[${inode}]`) return pid;
    } catch {
      // The process ended while the list was read.
    }
  }
  throw new Error(`no process in ${type} namespace ${inode}`);
}
const run = Math.random().toString(36).slice(2, 7);
const name = `rz${run}`;
const pods = [quickStoppingPod(name)];
// Kubernetes' runtime ignores a capability written with the CAP_ prefix (containerd prefixes CAP_
// itself): podlab's reading leaves it out on Docker too, so app's capabilities match, with a warning.
pods[0].spec!.containers[0].securityContext = { capabilities: { add: ["CAP_NET_ADMIN"] } };
const CAP_WARNING = `spec.containers[0].securityContext.capabilities.add[0]: "CAP_NET_ADMIN" is not added`;

describe("the realized layouts of both stacks, compared live", () => {
  let docker: ScratchStack;
  let kube: ScratchStack;
  let files: { docker: string; kube: string };
  let ups: { stdout: string }[];

  beforeAll(async () => {
    await requireTools("pulumi", "docker");
    const cluster = await ensureCluster();
    docker = await ScratchStack.create(`rzd-${run}`, { platform: "docker", cgroupDriver: "auto", pods });
    kube = await ScratchStack.create(`rzk-${run}`, { platform: "kubernetes", kubeconfig: cluster.KUBECONFIG, context: cluster.PODLAB_K8S_CONTEXT, pods });
    ups = await Promise.all([docker.up(), kube.up()]);
    files = { docker: join(docker.dir, "layouts.json"), kube: join(kube.dir, "layouts.json") };
    writeFileSync(files.docker, JSON.stringify((await docker.outputs()).layouts));
    writeFileSync(files.kube, JSON.stringify((await kube.outputs()).layouts));
  }, 600_000);

  afterAll(async () => {
    await Promise.all([docker?.dispose(), kube?.dispose()]);
  }, 300_000);

  const compareLive = () =>
    execa("npx", ["tsx", "scripts/compare.ts", "--live", "--left-file", files.docker, "--right-file", files.kube], { cwd: TOP, reject: false, all: true });

  it("shows the same pod on both platforms, by inode, and accepts only the platforms' differences", async () => {
    const result = await compareLive();
    expect(result.exitCode, result.all).toBe(0);
    const live = await liveDockerPod(name);
    const sidecar = live.containers.find((c) => c.name === "sidecar")!;
    // The docker sidecar's net inode is the sandbox's, and shows in the table.
    expect(sidecar.inodes.net).toBe(live.sandbox.inodes.net);
    expect(result.stdout).toContain(`sandbox ${sidecar.inodes.net}`);
    expect(result.stdout, result.stdout).toMatch(/uts ns\s+│ own, hostname copied \d+\s+│ sandbox \d+\s+│ expected/);
    expect(result.stdout).toMatch(/sidecar\s+│ memory\s+│ 128Mi \/pod-rz\w+\/[0-9a-f]{12}…\s+│ 128Mi\s+│ same/);
    expect(result.stdout).toContain("/kubepods/");
    expect(result.stdout).toContain("layouts match");
    // Privileges from /proc/<pid>/status: the same default capabilities and no_new_privs on both; the
    // walkthrough's pod sets no seccompProfile, so Docker filters and the kubelet does not.
    expect(result.stdout).toMatch(/app\s+│ caps\s+│ ([0-9a-f]{16})\s+│ \1\s+│ same/);
    for (const up of ups) expect(up.stdout).toContain(CAP_WARNING);
    expect(result.stdout).toMatch(/app\s+│ no_new_privs\s+│ false\s+│ false\s+│ same/);
    expect(result.stdout).toMatch(/app\s+│ seccomp\s+│ filter\s+│ disabled\s+│ expected: no seccompProfile/);
    expect((await localClusterEnv()).KUBECONFIG).toBeTruthy();
  }, 120_000);

  const inspect = (stack: ScratchStack, view: "--lsns" | "--cgls") =>
    execa("npx", ["tsx", "scripts/inspect.ts", stack.stack, view], { cwd: TOP, env: stack.env, reject: false, all: true });

  it("shows the walkthrough's lsns for the pod on both platforms: who holds each namespace", async () => {
    const live = await liveDockerPod(name);
    const app = live.containers.find((c) => c.name === "app")!;
    // The PID counter wrapped (CI saw it): a process started in app now gets a PID below its first one.
    const appContainer = (await podContainers(name)).find((c) => containerName(c) === "app")!;
    writeFileSync("/proc/sys/kernel/ns_last_pid", String(Math.min(300, Math.floor(app.pid / 2))));
    await execa("docker", ["exec", "-d", appContainer.id, "sleep", "600"]);
    const lowest = await until("a process of app below its first", async () => lowestPidIn("mnt", app.inodes.mnt), (pid) => pid < app.pid, 10);
    try {
      const [d, k] = await Promise.all([inspect(docker, "--lsns"), inspect(kube, "--lsns")]);
      expect(d.exitCode, d.all).toBe(0);
      expect(k.exitCode, k.all).toBe(0);
      const kernel = await liveKubernetesPod(await localClusterEnv(), name);
      // The sandbox's (pause's) net and IPC namespaces, with every member in them; each member's own mnt.
      expect(d.stdout).toMatch(new RegExp(`^${live.sandbox.inodes.net}\\s+net\\s+\\d+\\s+\\d+\\s+.+\\s+sandbox\\s+sandbox,app,sidecar\\s*$`, "m"));
      expect(d.stdout).toMatch(new RegExp(`^${live.sandbox.inodes.ipc}\\s+ipc\\s+.+\\s+sandbox\\s+sandbox,app,sidecar\\s*$`, "m"));
      // lsns's PID is the lowest in the namespace, not the container's first process.
      expect(d.stdout).toMatch(new RegExp(`^${app.inodes.mnt}\\s+mnt\\s+\\d+\\s+${lowest}\\s+.+\\s+app\\s+app\\s*$`, "m"));
      expect(k.stdout).toMatch(new RegExp(`^${kernel.sandbox.inodes.net}\\s+net\\s+\\d+\\s+${lowestPidIn("net", kernel.sandbox.inodes.net)}\\s+.+\\s+pause\\s+pause,app,sidecar\\s*$`, "m"));
      // Kubernetes' pause holds UTS for the pod too; Docker's members each have their own.
      expect(k.stdout).toMatch(new RegExp(`^${kernel.sandbox.inodes.uts}\\s+uts\\s+.+\\s+pause\\s+pause,app,sidecar\\s*$`, "m"));
      expect(d.stdout).toMatch(new RegExp(`^${app.inodes.uts}\\s+uts\\s+.+\\s+app\\s+app\\s*$`, "m"));
    } finally {
      process.kill(lowest);
    }
  }, 120_000);

  it("shows the walkthrough's systemd-cgls for the pod on both platforms, with limits and use", async () => {
    const [d, k] = await Promise.all([inspect(docker, "--cgls"), inspect(kube, "--cgls")]);
    expect(d.exitCode, d.all).toBe(0);
    expect(k.exitCode, k.all).toBe(0);
    const live = await liveDockerPod(name);
    expect(d.stdout).toMatch(new RegExp(`^Control group /pod-${name} \\(memory .*\\):$`, "m"));
    expect(d.stdout).toMatch(/^├─(docker-)?[0-9a-f]{12}…(\.scope)? \[app\] \(memory 256Mi limit, [\d.]+Mi in use; cpu no limit\)$/m);
    expect(d.stdout).toMatch(/^└─(docker-)?[0-9a-f]{12}…(\.scope)? \[sidecar\] \(memory 128Mi limit, /m);
    expect(d.stdout).toContain(`─${live.sandbox.pid} /pause`);
    expect(k.stdout).toMatch(/^Control group \/kubepods.*\/pod[0-9a-f_-]{36}(\.slice)? \(memory .*\):$/m);
    expect(k.stdout).toMatch(/\[app\] \(memory 256Mi limit, [\d.]+Mi in use; cpu no limit\)$/m);
    expect(k.stdout).toMatch(/\[pause\] \(memory/);
  }, 120_000);

  it("gives each container the kubelet's CPU weight: its request, else its limit, else the least (2 shares)", async () => {
    const live = await liveDockerPod(name);
    const kernel = await liveKubernetesPod(await localClusterEnv(), name);
    for (const c of ["app", "sidecar"]) {
      const [d, k] = [live, kernel].map((p) => cpuWeightOf(p.containers.find((x) => x.name === c)!.pid));
      expect(d, c).toBe(k);
      // The walkthrough's pod asks for no CPU: the kubelet's MinShares, where Docker's default is 1024.
      expect(d, c).toMatch(/^(shares 2|weight 1)$/);
    }
  }, 120_000);

  it("fails on a difference made on the live host behind both stacks' backs", async () => {
    const live = await liveDockerPod(name);
    const sidecar = live.containers.find((c) => c.name === "sidecar")!;
    // Lowered: its swap limit equals its memory limit (as the kubelet sets it), which cgroup v1 allows
    // no memory limit above.
    writeFileSync(`/sys/fs/cgroup/memory${sidecar.memoryCgroup}/memory.limit_in_bytes`, String(100 * 2 ** 20));
    const result = await compareLive();
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(/sidecar\s+│ memory\s+│ 100Mi .*│ 128Mi .*│ UNEXPECTED/);
  }, 120_000);

  it("fails on a split pod, saying which container is in which namespace", async () => {
    // With its agent stopped, nothing moves the members into the restarted sandbox's namespaces.
    await execa("docker", ["stop", docker.agentName]);
    await execa("docker", ["restart", `${name}-sandbox`]);
    const result = await compareLive();
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(new RegExp(`pod ${name} on docker is split: app is in net namespace \\d+, its sandbox in \\d+`));
    expect(result.stdout).toMatch(/app\s+│ net ns\s+│ own \d+\s+│ sandbox \d+\s+│ UNEXPECTED/);
  }, 120_000);
});
