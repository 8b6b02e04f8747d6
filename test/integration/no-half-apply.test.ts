// Nothing half-applied, nothing lost: a config the host cannot realize is refused before the first
// resource changes, and the running pod is left as it was. Also: a new image behind a tag reaches
// the pod on the next `up`, and the preview says so.
import execa from "execa";
import { createServer, Server } from "node:net";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cgroupDirs } from "../../host/proc";
import { requireTools, ScratchStack } from "../../scripts/lib/scratch-stack";
import { quickStoppingPod } from "./fixtures";
import { destroyAndCheck, httpStatus, wholePod } from "./pod-health";
import { waitFor } from "./wait";

const run = Math.random().toString(36).slice(2, 7);
const port = 20000 + Math.floor(Math.random() * 10000);
const MEMBERS = ["app", "sidecar"];
const config = (pods: object[], extra: Record<string, unknown> = {}) => ({ platform: "docker", cgroupDriver: "auto", pods, ...extra });

/** The walkthrough's pod with the app published on a host port. */
function published(name: string, hostPort = port) {
  const p = quickStoppingPod(name);
  p.spec!.containers[0].ports = [{ containerPort: 80, hostPort }];
  return p;
}

/** The pod's container IDs, and that each runs: what must not change when a config is refused. */
const snapshot = async (pod: string) => {
  const whole = await wholePod(pod, MEMBERS);
  return { sandbox: whole.sandbox.id, ...Object.fromEntries(MEMBERS.map((m) => [m, whole.members[m].id])) };
};

describe("a config the host cannot realize is refused before anything changes", () => {
  const foo = `nh${run}a`;
  const web = `nh${run}b`;
  let stack: ScratchStack;
  let before: Record<string, string>;

  beforeAll(async () => {
    await requireTools("pulumi", "docker");
    stack = await ScratchStack.create(`nh-${run}`, config([published(foo)]));
    await stack.up();
    await waitFor("the app on its host port", async () => expect(await httpStatus(port)).toBe(200));
    before = await snapshot(foo);
  }, 600_000);

  afterAll(() => destroyAndCheck(stack, foo, web), 300_000);

  /** Runs `up` on a config, expects it refused with `message`, then checks foo is untouched. */
  async function refused(pods: object[], message: string, extra: Record<string, unknown> = {}) {
    stack.setConfig(config(pods, extra));
    const result = await stack.up().catch((e) => e);
    stack.setConfig(config([published(foo)]));
    expect(result.exitCode, result.all).not.toBe(0);
    expect(result.all).toContain(message);
    // Refused before the first step: the engine planned nothing, and the pod runs as it did.
    expect(result.all).not.toMatch(/deleting|creating|replacing/);
    expect(await snapshot(foo)).toEqual(before);
    expect(await httpStatus(port)).toBe(200);
    expect(cgroupDirs(`pod-${foo}`).length).toBeGreaterThan(0);
  }

  it("refuses an explicit cgroup driver the engine does not use", async () => {
    await refused([published(foo)], 'podlab:cgroupDriver: "systemd" is not the Docker engine\'s cgroup driver, "cgroupfs"', { cgroupDriver: "systemd" });
  }, 300_000);

  it("refuses a container limit above the pod's", async () => {
    const p = published(foo);
    p.spec!.resources = { limits: { cpu: "500m" } };
    p.spec!.containers[0].resources!.limits!.cpu = "1";
    // The API server's words (pod-level resources, KEP-2837), as podlab-validator runs its validation.
    await refused([p], `Pod ${foo}: spec.resources.requests: Invalid value: "1": must be less than or equal to cpu limit of 500m`);
  }, 300_000);

  it("refuses a change to two mounts Docker cleans to one path (issue 18, case 1), leaving the pod as it was", async () => {
    const p = published(foo);
    p.spec!.volumes = [{ name: "a", emptyDir: {} }, { name: "b", emptyDir: {} }];
    p.spec!.containers[1].volumeMounts = [{ name: "a", mountPath: "/data" }, { name: "b", mountPath: "/data/" }];
    await refused([p], `Pod ${foo}: spec.containers[1].volumeMounts[1].mountPath: "/data/" is the mount point of volumeMounts[0] once cleaned ("/data"): the Docker engine refuses the container ("Duplicate mount point: /data")`);
  }, 300_000);

  it("refuses a rename that needs the host port the old pod still holds, leaving no half-made pod", async () => {
    await refused([published(web)], `Pod ${web}: spec.containers[0].ports[0].hostPort: ${port} is already published on this host by pod ${foo}'s container ${foo}-sandbox`);
    const { stdout } = await execa("docker", ["ps", "-aq", "--filter", `name=^${web}-`]);
    expect(stdout, `containers of ${web}`).toBe("");
  }, 300_000);

  it("refuses two pods of the stack on one host port, naming both", async () => {
    await refused([published(foo), published(web)], `Pod ${web}: spec.containers[0].ports[0].hostPort: ${port} is also published by pod ${foo} of this stack`);
  }, 300_000);

  it("refuses, in another stack, a pod named like one that runs on the host", async () => {
    const other = await ScratchStack.create(`nho-${run}`, config([quickStoppingPod(foo)]));
    try {
      const result = await other.up().catch((e) => e);
      expect(result.exitCode).not.toBe(0);
      expect(result.all).toContain(`Pod ${foo}: metadata.name: "${foo}" is the name of a pod that already runs on this host, from stack podlab/nh-${run}`);
      expect(((await other.exportStack()).resources ?? []).filter((r) => r.type !== "pulumi:pulumi:Stack")).toEqual([]);
    } finally {
      await other.dispose(false);
    }
    expect(await snapshot(foo)).toEqual(before);
  }, 300_000);

  it("refuses a host port another process listens on", async () => {
    const other = port + 1;
    const server: Server = await new Promise((resolve) => { const s = createServer().listen(other, "0.0.0.0", () => resolve(s)); });
    try {
      await refused([published(foo), published(web, other)], `Pod ${web}: spec.containers[0].ports[0].hostPort: ${other} is already in use on this host by a process outside Docker`);
    } finally {
      server.close();
    }
  }, 300_000);
});

describe("an image rebuilt under the same tag", () => {
  const pod = `ri${run}`;
  const image = `podlab/rebuilt-${run}:0.1`;
  const dir = mkdtempSync(join(tmpdir(), "podlab-rebuilt-"));
  let stack: ScratchStack;

  /** Builds the sidecar's image anew under the same tag: the walkthrough's curl, with a new label. */
  async function build(version: string): Promise<string> {
    writeFileSync(join(dir, "Dockerfile"), `FROM podlab/curl:0.1\nLABEL podlab.dev/test-version=${version}\n`);
    await execa("docker", ["build", "-q", "-t", image, dir]);
    return (await execa("docker", ["image", "inspect", "--format", "{{.Id}}", image])).stdout;
  }
  const sidecarImage = async () => (await execa("docker", ["inspect", "--format", "{{.Image}}", `${pod}-sidecar`])).stdout;

  beforeAll(async () => {
    await requireTools("pulumi", "docker");
    await build("1");
    const p = quickStoppingPod(pod);
    p.spec!.containers[1].image = image;
    stack = await ScratchStack.create(`ri-${run}`, config([p]));
    await stack.up();
  }, 600_000);

  afterAll(async () => {
    await destroyAndCheck(stack, pod);
    await execa("docker", ["rmi", "-f", image], { reject: false });
    rmSync(dir, { recursive: true, force: true });
  }, 300_000);

  it("previews the members made from it as replaced, and runs the new image after `up`", async () => {
    const id = await build("2");
    expect(await sidecarImage()).not.toBe(id);
    const preview = await stack.preview();
    const planned = preview.steps.filter((s) => s.op !== "same").map((s) => `${s.op} ${s.urn.split("::").pop()}`);
    expect(planned).toContain(`replace ${pod}-sidecar`);
    expect(planned.some((p) => /^replace image-podlab-rebuilt-/.test(p)), planned.join(", ")).toBe(true);
    await stack.up();
    expect(await sidecarImage()).toBe(id);
    await wholePod(pod, MEMBERS);
  }, 300_000);
});
