// The pull-request flow against a shared state backend, end to end: a real S3-compatible object store
// (versitygw) on loopback, Pulumi's s3:// backend pointed at it; the docker-host stack deployed from
// one checkout ("main"); podlab's CI preview (`npm run preview`, Automation API) run in a second
// checkout ("the branch"): its diff and its Markdown summary name exactly what the branch changed.
import execa from "execa";
import type { IPod } from "kubernetes-models/v1/Pod";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ObjectStore, startObjectStore } from "../../scripts/lib/object-store";
import { requireTools, ScratchStack } from "../../scripts/lib/scratch-stack";
import { walkthroughPod } from "./fixtures";
import { expectNothingLeft } from "./pod-health";

const TOP = resolve(__dirname, "../..");
const run = Math.random().toString(36).slice(2, 7);
const [a, b] = [`pa${run}`, `pb${run}`];
const config = (pods: IPod[]) => ({ platform: "docker", cgroupDriver: "auto", pods });

/** The walkthrough's pod b with its sidecar's memory limit changed, or without one (null: a violation). */
function podB(sidecarMemory: string | null = "128Mi"): IPod {
  const p = walkthroughPod(b);
  p.spec!.containers[1].resources = sidecarMemory ? { limits: { memory: sidecarMemory } } : {};
  return p;
}

describe("a pull request's preview against the shared state", () => {
  let store: ObjectStore;
  let main: ScratchStack;
  const branches: ScratchStack[] = [];

  /** podlab's CI preview in a checkout of the branch: exit code, output and the Markdown summary. */
  async function ciPreview(pods: IPod[]) {
    const branch = ScratchStack.checkout(main, config(pods));
    branches.push(branch);
    const summary = join(branch.dir, "summary.md");
    const result = await execa("npx", ["tsx", "scripts/preview.ts", main.stack, "--dir", branch.dir, "--summary", summary], {
      cwd: TOP, env: branch.env, reject: false, all: true,
    });
    return { ...result, summary: readFileSync(summary, "utf8") };
  }

  beforeAll(async () => {
    await requireTools("pulumi", "docker");
    store = await startObjectStore();
    main = await ScratchStack.create(`pr-${run}`, config([walkthroughPod(a), podB()]), store.env);
    await main.up();
  }, 600_000);

  afterAll(async () => {
    await main?.dispose();
    await Promise.all(branches.map((s) => s.dispose(false)));
    await expectNothingLeft(a);
    await expectNothingLeft(b);
    await store?.stop();
  }, 300_000);

  it("keeps the stack's state in the object store", () => {
    const objects = execa.sync("find", [store.dir, "-path", `*/.pulumi/stacks/*/${main.stack}.json`]).stdout;
    expect(objects).toContain(`${main.stack}.json`);
  });

  it("previews 'no changes' for a branch that changes nothing", async () => {
    const r = await ciPreview([walkthroughPod(a), podB()]);
    expect(r.exitCode, r.all).toBe(0);
    expect(r.summary).toContain(`### podlab preview: \`${main.stack}\``);
    expect(r.summary).toContain("No changes.");
    expect(r.summary).toContain("Policies: every rule of `podlab-layout` passed.");
    expect(r.summary).toContain(`State: \`s3://podlab-state\``); // no endpoint, no credentials
  }, 300_000);

  it("names exactly the changed pod's resources, and the policies' verdict", async () => {
    const r = await ciPreview([walkthroughPod(a), podB("96Mi")]);
    expect(r.exitCode, r.all).toBe(0);
    const rows = r.summary.split("\n").filter((l) => l.startsWith("| ") && !l.startsWith("| pod "));
    expect(rows, r.summary).toHaveLength(1);
    expect(rows[0]).toMatch(new RegExp(`^\\| ${b} \\| 0 \\| 0 \\| [1-9]\\d* \\| 0 \\| `));
    expect(rows[0]).toContain(`replace \`${b}-sidecar\` (Container)`);
    expect(r.summary).not.toContain(`${a}-`);
    expect(r.all).toContain("memory"); // the diff itself, as `pulumi preview --diff` prints it
    // The replaced containers' IDs are unknown until `up`: the pack says which rules wait for it.
    expect(r.summary, r.summary).toMatch(/Not checked until `up` \(values unknown in a preview\): .*docker-pod-membership/);
    expect(r.summary).not.toContain("Policy violations");
  }, 300_000);

  it("fails on a policy violation, with the violation in the summary", async () => {
    const r = await ciPreview([walkthroughPod(a), podB(null)]);
    expect(r.exitCode, r.summary + (r.all ?? "").slice(-3000)).toBe(1);
    expect(r.summary, r.summary).toMatch(/\*\*memory-limits\*\* \(mandatory\).*container sidecar has no memory limit/);
    expect(r.all).toContain("policy violation");
  }, 300_000);

  it("lets previews run beside an update, and refuses a second update while one holds the lock", async () => {
    const branch = ScratchStack.checkout(main, config([walkthroughPod(a), podB("112Mi")]));
    branches.push(branch);
    main.setConfig(config([walkthroughPod(a), podB("104Mi")]));
    const update = main.up();
    // Wait until the first update holds the stack's lock, then try the rest at once.
    await new Promise((r) => setTimeout(r, 3000));
    const [second, p1, p2] = await Promise.all([
      branch.up().catch((e) => e),
      branch.preview().then(() => 0, (e) => e),
      execa("npx", ["tsx", "scripts/preview.ts", main.stack, "--dir", branch.dir], { cwd: TOP, env: branch.env, reject: false, all: true }),
    ]);
    await update;
    expect(second.exitCode).not.toBe(0);
    expect(second.all).toMatch(/locked/);
    expect(second.locked, "a ConcurrentUpdateError").toBe(true);
    expect(p1, p1?.all).toBe(0);
    expect(p2.exitCode, p2.all).toBe(0);
    // The stack is not corrupted: it says what the first update made, and previews cleanly.
    expect((await main.preview()).changeSummary).toEqual({ same: expect.any(Number) });
  }, 400_000);
});
