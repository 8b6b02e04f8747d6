// Secrets the Pulumi way, and configMap and secret volumes the kubelet's way, on both stacks: a
// Secret of the manifests mounted as files (a tmpfs on the Docker host, the kubelet's modes and
// items), its value found nowhere in plain text (state, `up` and `preview --diff` output, `docker
// inspect`, the agent's log), and a Secret and a ConfigMap changed in place: the files swapped
// atomically under a reader that never sees a missing or partial file, no container restarted.
import execa from "execa";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { liveKubernetesPod } from "../../host/live";
import { requireTools, ScratchStack } from "../../scripts/lib/scratch-stack";
import { ensureCluster } from "./cluster";
import { expectNothingLeft, wholePod } from "./pod-health";

const run = Math.random().toString(36).slice(2, 7);
const name = `sec${run}`;
const SECRET = `s3cr3t-${run}-${Math.random().toString(36).slice(2, 10)}`;
const ROTATED = `r0tated-${run}-${Math.random().toString(36).slice(2, 10)}`;

/** The Secret's value in every form it could leak in: plain, base64, and base64 of the token. */
const forms = (v: string) => [v, Buffer.from(v).toString("base64"), Buffer.from(`${v}-token`).toString("base64")];

function docs(password = SECRET, greeting = "hello") {
  return [
    { apiVersion: "v1", kind: "Secret", metadata: { name: `${name}-creds` }, type: "Opaque", stringData: { password }, data: { token: Buffer.from(`${password}-token`).toString("base64") } },
    { apiVersion: "v1", kind: "ConfigMap", metadata: { name: `${name}-conf` }, data: { greeting, other: "not projected" } },
    {
      apiVersion: "v1", kind: "Pod", metadata: { name, labels: { app: "shop" }, annotations: { owner: "team-a" } },
      spec: {
        terminationGracePeriodSeconds: 1,
        volumes: [
          { name: "creds", secret: { secretName: `${name}-creds`, defaultMode: 0o400 } },
          { name: "conf", configMap: { name: `${name}-conf`, items: [{ key: "greeting", path: "sub/greeting.txt", mode: 0o600 }] } },
          { name: "none", secret: { secretName: `${name}-absent`, optional: true } },
          { name: "podinfo", downwardAPI: { items: [
            { path: "labels", fieldRef: { fieldPath: "metadata.labels" } },
            { path: "owner", fieldRef: { fieldPath: "metadata.annotations['owner']" } },
            { path: "mem_limit", resourceFieldRef: { containerName: "app", resource: "limits.memory", divisor: "1Mi" }, mode: 0o600 },
          ] } },
          { name: "all-in-one", projected: { defaultMode: 0o440, sources: [
            { secret: { name: `${name}-creds`, items: [{ key: "password", path: "secret/password" }] } },
            { configMap: { name: `${name}-conf`, items: [{ key: "greeting", path: "conf/greeting" }] } },
            { downwardAPI: { items: [{ path: "pod/name", fieldRef: { fieldPath: "metadata.name" } }] } },
          ] } },
        ],
        containers: [{
          name: "app", image: "curlimages/curl", command: ["sleep", "3650d"], resources: { limits: { memory: "64Mi" } },
          volumeMounts: [{ name: "creds", mountPath: "/etc/creds" }, { name: "conf", mountPath: "/etc/conf" }, { name: "none", mountPath: "/etc/none" },
            { name: "podinfo", mountPath: "/etc/podinfo" }, { name: "all-in-one", mountPath: "/etc/all" }],
        }],
      },
    },
  ];
}

/** Every file below a directory, read whole (the state, its backups and history). */
function filesBelow(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" }).map((f) => join(dir, f)).filter((f) => statSync(f).isFile()).map((f) => readFileSync(f, "latin1"));
}

const inApp = async (...cmd: string[]) => (await execa("docker", ["exec", `${name}-app`, ...cmd])).stdout;

/** The container's mounts by mount point, from its main process's mountinfo: the filesystem type. */
function mountTypes(pid: number): Record<string, string> {
  return Object.fromEntries(readFileSync(`/proc/${pid}/mountinfo`, "utf8").trim().split("\n").map((l) => {
    const [pre, post] = l.split(" - ");
    return [pre.split(" ")[4], post.split(" ")[0]];
  }));
}

/** The downwardAPI and projected volumes as a process sees them: files, modes, and the mounts' type. */
function projectedView(pid: number) {
  const root = `/proc/${pid}/root`;
  const file = (p: string) => `${readFileSync(`${root}${p}`, "utf8")} ${(statSync(`${root}${p}`).mode & 0o777).toString(8)}`;
  const types = mountTypes(pid);
  return {
    labels: file("/etc/podinfo/labels"), owner: file("/etc/podinfo/owner"), memLimit: file("/etc/podinfo/mem_limit"),
    secret: file("/etc/all/secret/password"), greeting: file("/etc/all/conf/greeting"), podName: file("/etc/all/pod/name"),
    types: [types["/etc/podinfo"], types["/etc/all"]],
  };
}
/** What the kubelet writes there (pkg/volume/downwardapi, pkg/volume/projected; labels as FormatMap). */
const PROJECTED = {
  labels: `app="shop"\npodlab.dev/pod="${name}" 644`, owner: "team-a 644", memLimit: "64 600",
  secret: `${SECRET} 440`, greeting: "hello 440", podName: `${name} 440`, types: ["tmpfs", "tmpfs"],
};

describe("Secrets and projected volumes on the docker-host stack", () => {
  let stack: ScratchStack;
  const outputs: string[] = [];

  beforeAll(async () => {
    await requireTools("pulumi", "docker");
    stack = await ScratchStack.create(`sec-${run}`, { platform: "docker", cgroupDriver: "auto", pods: docs() });
    outputs.push((await stack.up()).stdout);
  }, 600_000);

  afterAll(async () => {
    await stack?.destroy();
    await expectNothingLeft(name);
    // The tmpfs went with the pod.
    expect(readFileSync("/proc/self/mountinfo", "utf8")).not.toContain(`/var/lib/podlab/pods/${name}/`);
    await stack?.dispose();
  }, 300_000);

  it("mounts the Secret's keys as files with defaultMode, on a tmpfs, and the ConfigMap's chosen item at its path and mode", async () => {
    expect(await inApp("cat", "/etc/creds/password")).toBe(SECRET);
    expect(await inApp("cat", "/etc/creds/token")).toBe(`${SECRET}-token`);
    // The kubelet's layout: each key a link into ..data, the files in a timestamped directory.
    expect(await inApp("readlink", "/etc/creds/password")).toBe("..data/password");
    expect(await inApp("stat", "-L", "-c", "%a", "/etc/creds/password")).toBe("400");
    expect(await inApp("stat", "-L", "-c", "%a", "/etc/conf/sub/greeting.txt")).toBe("600");
    expect(await inApp("cat", "/etc/conf/sub/greeting.txt")).toBe("hello");
    expect(await inApp("ls", "/etc/conf")).toBe("sub");
    // An optional Secret the manifests lack: an empty volume.
    expect(await inApp("ls", "/etc/none")).toBe("");
    const pod = await wholePod(name, ["app"]);
    const types = mountTypes(pod.members.app.pid);
    expect(types["/etc/creds"]).toBe("tmpfs");
    expect(types["/etc/conf"]).not.toBe("tmpfs");
  });

  it("writes downwardAPI and projected volumes as the kubelet does: pod fields, resources, Secret and ConfigMap items, on tmpfs", async () => {
    const pod = await wholePod(name, ["app"]);
    expect(projectedView(pod.members.app.pid)).toEqual(PROJECTED);
  });

  it("keeps the Secret's value out of the state, the output, labels, docker inspect and the agent's log", async () => {
    outputs.push((await stack.preview({ diff: true })).stdout);
    const inspect = (await execa("sh", ["-c", `docker inspect $(docker ps -aq --filter label=podlab.dev/pod=${name}) ${stack.agentName}`])).stdout;
    const agentLog = (await execa("docker", ["logs", stack.agentName], { all: true })).all ?? "";
    const places = { state: filesBelow(join(stack.dir, ".state")).join("\n"), output: outputs.join("\n"), inspect, agentLog };
    expect(places.state.length).toBeGreaterThan(1000);
    for (const [where, text] of Object.entries(places)) {
      for (const form of forms(SECRET)) expect(text.includes(form), `${where} holds ${form}`).toBe(false);
    }
    // The volume command's environment is kept encrypted.
    expect(places.state).toMatch(/"environment":\s*\{\s*"4dabf18193072939515e22adb298388d":\s*"1b47061264138c4ac30d75fd1eb44270",\s*"ciphertext"/);
  }, 120_000);

  it("updates a changed Secret and ConfigMap in place, atomically: a reader never sees a missing or partial file", async () => {
    const before = await wholePod(name, ["app"]);
    // A reader in the container, as fast as it can, through the update.
    await execa("docker", ["exec", "-d", `${name}-app`, "sh", "-c",
      "while [ ! -e /tmp/stop ]; do p=$(cat /etc/creds/password 2>&1) || p=MISSING; g=$(cat /etc/conf/sub/greeting.txt 2>&1) || g=MISSING; echo \"$p $g\" >> /tmp/reads; done"]);
    stack.setConfig({ platform: "docker", cgroupDriver: "auto", pods: docs(ROTATED, "hello again") });
    const preview = await stack.preview({ diff: true });
    outputs.push(preview.stdout);
    expect(preview.steps.filter((s) => s.op !== "same").map((s) => `${s.op} ${s.urn.split("::").pop()}`)).toEqual([`update ${name}-volumes`]);
    outputs.push((await stack.up()).stdout);
    await new Promise((r) => setTimeout(r, 500));
    await inApp("touch", "/tmp/stop");
    await new Promise((r) => setTimeout(r, 300));
    const reads = (await inApp("cat", "/tmp/reads")).split("\n");
    const seen = new Set(reads);
    expect(reads.length).toBeGreaterThan(20);
    expect([...seen].filter((r) => r !== `${SECRET} hello` && r !== `${ROTATED} hello again` && r !== `${ROTATED} hello` && r !== `${SECRET} hello again`)).toEqual([]);
    expect(seen.has(`${ROTATED} hello again`)).toBe(true);
    const after = await wholePod(name, ["app"]);
    expect(after.members.app.id).toBe(before.members.app.id);
    expect(after.sandbox.id).toBe(before.sandbox.id);
    // Neither value in plain text anywhere Pulumi keeps or prints.
    const state = filesBelow(join(stack.dir, ".state")).join("\n") + outputs.join("\n");
    for (const form of [...forms(SECRET), ...forms(ROTATED)]) expect(state.includes(form), form).toBe(false);
  }, 300_000);

  it("applies the same manifest unchanged on the local cluster: the same files, the Secret encrypted in the state", async () => {
    const cluster = await ensureCluster();
    const kube = await ScratchStack.create(`seck-${run}`, {
      platform: "kubernetes", kubeconfig: cluster.KUBECONFIG, context: cluster.PODLAB_K8S_CONTEXT, readyTimeout: "3m", pods: docs(),
    });
    try {
      const up = await kube.up();
      const pod = await liveKubernetesPod(cluster, name);
      const app = pod.containers.find((c) => c.name === "app")!;
      const root = `/proc/${app.pid}/root`;
      expect(readFileSync(`${root}/etc/creds/password`, "utf8")).toBe(SECRET);
      expect((statSync(`${root}/etc/creds/password`).mode & 0o777).toString(8)).toBe("400");
      expect((statSync(`${root}/etc/conf/sub/greeting.txt`).mode & 0o777).toString(8)).toBe("600");
      expect(mountTypes(app.pid)["/etc/creds"]).toBe("tmpfs");
      expect(projectedView(app.pid)).toEqual(PROJECTED);
      const text = filesBelow(join(kube.dir, ".state")).join("\n") + up.stdout;
      for (const form of forms(SECRET)) expect(text.includes(form), form).toBe(false);
    } finally {
      await kube.dispose();
    }
  }, 400_000);
});

describe("Secrets from stack config, kept encrypted there", () => {
  const pod2 = `${name}c`;
  const KEY = `k3y-${run}-${Math.random().toString(36).slice(2, 10)}`;
  const secretsYaml = `apiVersion: v1\nkind: Secret\nmetadata:\n  name: ${pod2}-api\nstringData:\n  apikey: ${KEY}\n`;
  const podDoc = {
    apiVersion: "v1", kind: "Pod", metadata: { name: pod2 },
    spec: {
      terminationGracePeriodSeconds: 1,
      volumes: [{ name: "api", secret: { secretName: `${pod2}-api` } }],
      containers: [{ name: "app", image: "curlimages/curl", command: ["sleep", "3650d"], resources: { limits: { memory: "32Mi" } }, volumeMounts: [{ name: "api", mountPath: "/etc/api" }] }],
    },
  };
  let stack: ScratchStack;

  beforeAll(async () => {
    await requireTools("pulumi", "docker");
    stack = await ScratchStack.create(`secc-${run}`, { platform: "docker", cgroupDriver: "auto", pods: [podDoc] });
  }, 120_000);

  afterAll(async () => {
    await stack?.destroy();
    await expectNothingLeft(pod2);
    await stack?.dispose();
  }, 300_000);

  it("refuses podlab:secrets set in plain text, before anything is made, without showing it", async () => {
    // A stack of its own: Pulumi keeps the plain value in that stack's update history.
    const plain = await ScratchStack.create(`secp-${run}`, { platform: "docker", cgroupDriver: "auto", pods: [podDoc] });
    try {
      // The CLI itself asks for --secret or --plaintext for a value that looks like one.
      await plain.cli("config", "set", "--plaintext", "podlab:secrets", secretsYaml);
      const up = await plain.cli("up", "--yes", "--skip-preview").catch((e) => e);
      expect(up.exitCode).not.toBe(0);
      expect(up.all).toContain("invalid stack config: podlab:secrets: is not a secret: set it with `pulumi config set --secret podlab:secrets");
      expect(up.all).not.toContain(KEY);
      expect((await execa("docker", ["ps", "-aq", "--filter", `label=podlab.dev/pod=${pod2}`])).stdout).toBe("");
    } finally {
      await plain.dispose();
    }
  }, 120_000);

  it("mounts a Secret from podlab:secrets (set with --secret), its value nowhere in the stack's files or output", async () => {
    await stack.cli("config", "set", "--secret", "podlab:secrets", secretsYaml);
    const up = await stack.up();
    expect(await execa("docker", ["exec", `${pod2}-app`, "cat", "/etc/api/apikey"]).then((r) => r.stdout)).toBe(KEY);
    const files = filesBelow(join(stack.dir, ".state")).join("\n") + readFileSync(join(stack.dir, "stacks", `Pulumi.secc-${run}.yaml`), "utf8") + up.stdout;
    for (const form of forms(KEY)) expect(files.includes(form), form).toBe(false);
  }, 300_000);
});

describe("a failing container that prints a Secret", () => {
  const pod3 = `${name}f`;
  const PASSWORD = `pw-${run}-${Math.random().toString(36).slice(2, 10)}`;
  /** The Secret, and a pod whose `failing` container (init or app) prints the password, plain and in base64, and exits 1. */
  const failing = (where: "initContainers" | "containers") => {
    const printer = {
      name: "connect", image: "curlimages/curl", resources: { limits: { memory: "32Mi" } },
      env: [{ name: "PASS", valueFrom: { secretKeyRef: { name: `${pod3}-db`, key: "password" } } }],
      command: ["sh", "-c", 'echo "could not connect to postgres://app:$PASS@db/app"; echo "token $(printf %s "$PASS" | base64)"; exit 1'],
    };
    const app = { name: "app", image: "curlimages/curl", command: ["sleep", "3650d"], resources: { limits: { memory: "32Mi" } } };
    return [
      { apiVersion: "v1", kind: "Secret", metadata: { name: `${pod3}-db` }, stringData: { password: PASSWORD } },
      {
        apiVersion: "v1", kind: "Pod", metadata: { name: pod3 },
        spec: {
          restartPolicy: "Never", terminationGracePeriodSeconds: 1,
          // As an app container, never Ready: the gate must not call the pod ready in the instant before it exits.
          ...(where === "initContainers" ? { initContainers: [printer], containers: [app] } : { containers: [{ ...printer, readinessProbe: { exec: { command: ["false"] }, periodSeconds: 1 } }] }),
        },
      },
    ];
  };
  let stack: ScratchStack;

  afterAll(async () => {
    await stack?.destroy();
    await expectNothingLeft(pod3);
    await stack?.dispose();
  }, 300_000);

  it("masks it in the log lines the init gate and the readiness gate quote", async () => {
    await requireTools("pulumi", "docker");
    stack = await ScratchStack.create(`secf-${run}`, { platform: "docker", cgroupDriver: "auto", pods: failing("initContainers"), readyTimeout: "60s" });
    for (const where of ["initContainers", "containers"] as const) {
      stack.setConfig({ platform: "docker", cgroupDriver: "auto", pods: failing(where), readyTimeout: "60s" });
      const up = await stack.up().then(() => undefined, (e) => e);
      const out = String(up?.all ?? up?.stdout ?? "");
      expect(out, `up with the failing ${where}`).toContain("could not connect to postgres://app:***@db/app");
      expect(out).toContain("token ***");
      for (const form of [PASSWORD, Buffer.from(PASSWORD).toString("base64")]) expect(out.includes(form), `${where}: the password in up's output`).toBe(false);
    }
  }, 400_000);
});
