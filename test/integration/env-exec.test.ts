// What Docker cannot be given in a container's configuration, through env-exec, on both stacks:
// Secrets in env (secretKeyRef, envFrom secretRef, a literal and a command that read them), whose
// values reach the processes through a tmpfs file and are nowhere in `docker inspect`, the state or
// Pulumi's output; and the pod's and host's IPs (fieldRef status.podIP, status.hostIP), known only at
// the start. A restarted container reads them again; a changed Secret replaces the pod with the new
// values, as a new Pod on Kubernetes reads them.
import execa from "execa";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kubectl } from "../../host/cri";
import { liveKubernetesPod } from "../../host/live";
import { requireTools, ScratchStack } from "../../scripts/lib/scratch-stack";
import { ensureCluster } from "./cluster";
import { destroyAndCheck, statusOf, waitWhole, wholePod } from "./pod-health";

const run = Math.random().toString(36).slice(2, 7);
const name = `senv${run}`;
const SECRET = `pa55-${run}-${Math.random().toString(36).slice(2, 10)}`;
const ROTATED = `r0t-${run}-${Math.random().toString(36).slice(2, 10)}`;
/** A value in every form it could leak in: plain and base64. */
const forms = (v: string) => [v, Buffer.from(v).toString("base64")];

function docs(password = SECRET) {
  return [
    { apiVersion: "v1", kind: "Secret", metadata: { name: `${name}-db` }, type: "Opaque", stringData: { PASSWORD: password, USER: "admin" } },
    {
      apiVersion: "v1", kind: "Pod", metadata: { name },
      spec: {
        terminationGracePeriodSeconds: 1,
        containers: [
          {
            // A command that reads a secret variable: the kubelet expands it before the process starts.
            name: "app", image: "curlimages/curl", command: ["sh", "-c", "echo \"url=$(URL)\" > /tmp/said; exec sleep 3650d"],
            resources: { limits: { memory: "32Mi" } },
            env: [
              { name: "REGION", value: "eu-1" },
              { name: "PASS", valueFrom: { secretKeyRef: { name: `${name}-db`, key: "PASSWORD" } } },
              { name: "URL", value: "pg://$(PASS)@db.$(REGION)" },
              { name: "GONE", valueFrom: { secretKeyRef: { name: `${name}-absent`, key: "x", optional: true } } },
              { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
              { name: "HOST_IP", valueFrom: { fieldRef: { fieldPath: "status.hostIP" } } },
              { name: "ADDR", value: "$(POD_IP):8080" },
            ],
          },
          {
            // No command: the image's own CMD, through env-exec; an exec probe that needs the variable.
            // Not root: its env file is root's on the host, yet its own to read in the container.
            name: "sidecar", image: "curlimages/curl", resources: { limits: { memory: "32Mi" } }, securityContext: { runAsUser: 1000 },
            envFrom: [{ secretRef: { name: `${name}-db` }, prefix: "DB_" }],
            readinessProbe: { exec: { command: ["sh", "-c", "test -n \"$DB_PASSWORD\""] }, periodSeconds: 1 },
          },
        ],
      },
    },
  ];
}

/** The variables of a process (/proc/<pid>/environ) that the test set. */
function environOf(pid: number): Record<string, string> {
  const all = Object.fromEntries(readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]));
  return Object.fromEntries(Object.entries(all).filter(([k]) => ["REGION", "PASS", "URL", "GONE", "DB_PASSWORD", "DB_USER", "POD_IP", "HOST_IP", "ADDR"].includes(k)));
}
/** The pod's and the host's IPs, as each platform has them: the docker host is on the pod's network at its gateway. */
type Ips = { pod: string; host: string };
const dockerIps = async (): Promise<Ips> => {
  const [pod, host] = (await execa("docker", ["inspect", "-f", "{{.NetworkSettings.IPAddress}} {{.NetworkSettings.Gateway}}", `${name}-sandbox`])).stdout.split(" ");
  return { pod, host };
};
const expected = (password: string, ips: Ips) => ({
  app: { REGION: "eu-1", PASS: password, URL: `pg://${password}@db.eu-1`, POD_IP: ips.pod, HOST_IP: ips.host, ADDR: `${ips.pod}:8080` },
  sidecar: { DB_PASSWORD: password, DB_USER: "admin" },
});

function filesBelow(dir: string): string {
  return readdirSync(dir, { recursive: true, encoding: "utf8" }).map((f) => join(dir, f)).filter((f) => statSync(f).isFile()).map((f) => readFileSync(f, "latin1")).join("\n");
}

describe("Secrets and IPs in env on the docker-host stack", () => {
  let stack: ScratchStack;
  const outputs: string[] = [];

  beforeAll(async () => {
    await requireTools("pulumi", "docker");
    stack = await ScratchStack.create(`senv-${run}`, { platform: "docker", cgroupDriver: "auto", pods: docs() });
    outputs.push((await stack.up()).stdout);
  }, 600_000);

  afterAll(() => destroyAndCheck(stack, name), 300_000);

  it("gives the processes the variables a kubelet gives, the pod's IP and the host's, and expands the command with them", async () => {
    const pod = await wholePod(name, ["app", "sidecar"]);
    expect({ app: environOf(pod.members.app.pid), sidecar: environOf(pod.members.sidecar.pid) }).toEqual(expected(SECRET, await dockerIps()));
    expect((await execa("docker", ["exec", `${name}-app`, "cat", "/tmp/said"])).stdout).toBe(`url=pg://${SECRET}@db.eu-1`);
    // The sidecar's image CMD runs (sleep infinity), and its exec probe saw the variable: it is Ready.
    expect(readFileSync(`/proc/${pod.members.sidecar.pid}/cmdline`, "utf8").split("\0").filter(Boolean)).toEqual(["sleep", "infinity"]);
    const ready = (await execa("docker", ["inspect", "-f", "{{.State.Running}}", `${name}-sidecar`])).stdout;
    expect(ready).toBe("true");
  });

  it("keeps the values out of docker inspect, the state and Pulumi's output; the file is on a tmpfs", async () => {
    outputs.push((await stack.preview({ diff: true })).stdout);
    const inspect = (await execa("sh", ["-c", `docker inspect $(docker ps -aq --filter label=podlab.dev/pod=${name}) ${stack.agentName}`])).stdout;
    const places = { inspect, state: filesBelow(join(stack.dir, ".state")), output: outputs.join("\n") };
    expect(inspect).toContain("$(URL)"); // the command as written
    for (const [where, text] of Object.entries(places)) {
      for (const form of forms(SECRET)) expect(text.includes(form), `${where} holds ${form}`).toBe(false);
    }
    expect(readFileSync("/proc/self/mountinfo", "utf8")).toMatch(new RegExp(` /var/lib/podlab/env/${name} .* - tmpfs `));
  }, 120_000);

  it("gives a restarted container the variables again", async () => {
    const before = await wholePod(name, ["app", "sidecar"]);
    await execa("docker", ["kill", `${name}-app`]);
    // The agent starts it again (the kubelet's back-off: 10 s at first).
    let after = before;
    for (let i = 0; i < 60 && after.members.app.pid === before.members.app.pid; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      after = await waitWhole(name, ["app", "sidecar"]);
    }
    expect(environOf(after.members.app.pid)).toEqual(expected(SECRET, await dockerIps()).app);
  }, 120_000);

  it("replaces the pod when the Secret changes, with the new values, which stay out of the state", async () => {
    const before = await wholePod(name, ["app", "sidecar"]);
    stack.setConfig({ platform: "docker", cgroupDriver: "auto", pods: docs(ROTATED) });
    const preview = await stack.preview({ diff: true });
    const replaced = preview.steps.filter((s) => s.op === "replace" || s.op === "create-replacement").map((s) => s.urn.split("::").pop());
    expect(replaced).toEqual(expect.arrayContaining([`${name}-env`, `${name}-sandbox`, `${name}-app`, `${name}-sidecar`]));
    outputs.push(preview.stdout, (await stack.up()).stdout);
    const after = await wholePod(name, ["app", "sidecar"]);
    expect(after.sandbox.id).not.toBe(before.sandbox.id);
    // The new pod's containers ran once: the old pod's stop, which Pulumi may order after they
    // exist, left them alone (agent-once.sh).
    expect((await statusOf(name)).containerStatuses.map((c) => [c.name, c.restartCount])).toEqual([["app", 0], ["sidecar", 0]]);
    expect({ app: environOf(after.members.app.pid), sidecar: environOf(after.members.sidecar.pid) }).toEqual(expected(ROTATED, await dockerIps()));
    const text = filesBelow(join(stack.dir, ".state")) + outputs.join("\n");
    for (const form of [...forms(SECRET), ...forms(ROTATED)]) expect(text.includes(form), form).toBe(false);
  }, 300_000);

  it("applies the same manifest unchanged on the local cluster: the same variables", async () => {
    const cluster = await ensureCluster();
    const kube = await ScratchStack.create(`senvk-${run}`, {
      platform: "kubernetes", kubeconfig: cluster.KUBECONFIG, context: cluster.PODLAB_K8S_CONTEXT, readyTimeout: "3m", pods: docs(),
    });
    try {
      const up = await kube.up();
      const pod = await liveKubernetesPod(cluster, name);
      const pidOf = (c: string) => pod.containers.find((x) => x.name === c)!.pid;
      const status = JSON.parse((await kubectl(cluster, "get", "pod", name, "-o", "json")).stdout).status;
      expect({ app: environOf(pidOf("app")), sidecar: environOf(pidOf("sidecar")) }).toEqual(expected(SECRET, { pod: status.podIP, host: status.hostIP }));
      const text = filesBelow(join(kube.dir, ".state")) + up.stdout;
      for (const form of forms(SECRET)) expect(text.includes(form), form).toBe(false);
    } finally {
      await kube.dispose();
    }
  }, 400_000);
});
