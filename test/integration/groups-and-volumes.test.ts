// One manifest with the pod's groups (supplementalGroups, fsGroup), a memory-backed emptyDir with a
// size, subPath and subPathExpr mounts, and stdin with a terminal, on both stacks: what the kernel
// shows of the app's process (/proc/<pid>/status, fd 0, mountinfo, its root's files) must be the same
// on the docker-host stack and on the local cluster.
import { readFileSync, readlinkSync, statSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localClusterEnv } from "../../host/cri";
import { liveKubernetesPod } from "../../host/live";
import { requireTools, ScratchStack } from "../../scripts/lib/scratch-stack";
import { ensureCluster } from "./cluster";
import { expectNothingLeft, wholePod } from "./pod-health";

const run = Math.random().toString(36).slice(2, 7);
const name = `gv${run}`;

const docs = [
  { apiVersion: "v1", kind: "ConfigMap", metadata: { name: `${name}-conf` }, data: { greeting: "hello" } },
  {
    apiVersion: "v1", kind: "Pod", metadata: { name },
    spec: {
      terminationGracePeriodSeconds: 1,
      securityContext: { runAsUser: 1000, runAsGroup: 3000, supplementalGroups: [4000], fsGroup: 2000 },
      volumes: [
        { name: "mem", emptyDir: { medium: "Memory", sizeLimit: "16Mi" } },
        { name: "data", emptyDir: {} },
        { name: "conf", configMap: { name: `${name}-conf` } },
      ],
      containers: [{
        name: "app", image: "curlimages/curl", stdin: true, tty: true,
        command: ["sh", "-c", "echo hi > /data/by-app; echo in-memory > /mem/note; exec sleep 3650d"],
        env: [{ name: "SUB", value: "nested" }],
        resources: { limits: { memory: "64Mi" } },
        volumeMounts: [
          { name: "mem", mountPath: "/mem" },
          { name: "data", mountPath: "/data", subPathExpr: "$(SUB)/dir" },
          { name: "conf", mountPath: "/etc/greeting.txt", subPath: "greeting" },
        ],
      }],
    },
  },
];

/** What the kernel shows of a process: its ids and groups, its stdin, and its mounts' type and size. */
function processView(pid: number) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const field = (f: string) => new RegExp(`^${f}:\\s*(.*)$`, "m").exec(status)![1].trim().split(/\s+/);
  const mounts = Object.fromEntries(readFileSync(`/proc/${pid}/mountinfo`, "utf8").trim().split("\n").map((l) => {
    const [pre, post] = l.split(" - ");
    const [type, , options] = post.split(" ");
    return [pre.split(" ")[4], `${type} ${options.split(",").filter((o) => o.startsWith("size=")).join(",")}`.trim()];
  }));
  const root = `/proc/${pid}/root`;
  const owner = (p: string) => { const s = statSync(`${root}${p}`); return `${s.gid} ${(s.mode & 0o7777).toString(8)}`; };
  return {
    uid: field("Uid")[0], gid: field("Gid")[0], groups: field("Groups").filter((g) => ["2000", "3000", "4000"].includes(g)).sort(),
    stdin: readlinkSync(`/proc/${pid}/fd/0`).replace(/\d+$/, "N"),
    mem: mounts["/mem"], memOwner: owner("/mem"), note: readFileSync(`${root}/mem/note`, "utf8"),
    data: readFileSync(`${root}/data/by-app`, "utf8"), dataOwner: owner("/data"),
    greeting: readFileSync(`${root}/etc/greeting.txt`, "utf8"), greetingOwner: owner("/etc/greeting.txt"),
  };
}

/** What both platforms must show (from the kubelet's rules: SetVolumeOwnership, SizeMemoryBackedVolumes). */
const EXPECTED = {
  uid: "1000", gid: "3000", groups: ["2000", "3000", "4000"], stdin: "/dev/pts/N",
  mem: "tmpfs size=16384k", memOwner: "2000 3777", note: "in-memory\n", data: "hi\n", dataOwner: "2000 2777",
  greeting: "hello", greetingOwner: "2000 644",
};

describe("groups, memory emptyDirs, subPaths and a terminal, the same on both stacks", () => {
  let docker: ScratchStack;
  let kube: ScratchStack;

  beforeAll(async () => {
    await requireTools("pulumi", "docker");
    const cluster = await ensureCluster();
    docker = await ScratchStack.create(`gvd-${run}`, { platform: "docker", cgroupDriver: "auto", pods: docs });
    kube = await ScratchStack.create(`gvk-${run}`, { platform: "kubernetes", kubeconfig: cluster.KUBECONFIG, context: cluster.PODLAB_K8S_CONTEXT, readyTimeout: "3m", pods: docs });
    await Promise.all([docker.up(), kube.up()]);
  }, 600_000);

  afterAll(async () => {
    await docker?.destroy();
    await expectNothingLeft(name);
    expect(readFileSync("/proc/self/mountinfo", "utf8")).not.toContain(`/var/lib/podlab/pods/${name}/`);
    await Promise.all([docker?.dispose(), kube?.dispose()]);
  }, 300_000);

  it("on the docker-host stack", async () => {
    const pod = await wholePod(name, ["app"]);
    expect(processView(pod.members.app.pid)).toEqual(EXPECTED);
    // The subPathExpr's directory, made in the emptyDir on the host.
    expect(readFileSync(`/var/lib/podlab/pods/${name}/volumes/empty-dir/data/nested/dir/by-app`, "utf8")).toBe("hi\n");
  });

  it("on the local cluster, from the same manifest", async () => {
    const pod = await liveKubernetesPod(await localClusterEnv(), name);
    expect(processView(pod.containers.find((c) => c.name === "app")!.pid)).toEqual(EXPECTED);
  });
});
