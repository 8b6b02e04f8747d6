// The pull-request flow against a shared state backend, end to end: a real S3-compatible object store
// (versitygw) on loopback, Pulumi's s3:// backend pointed at it; the docker-host stack deployed from
// one checkout ("main"); podlab's CI preview (`npm run preview`, Automation API) run in a second
// checkout ("the branch"): its diff and its Markdown summary name exactly what the branch changed.
import execa from "execa";
import type { IPod } from "kubernetes-models/v1/Pod";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ObjectStore, startObjectStore } from "../../scripts/lib/object-store";
import { requireTools, ScratchStack } from "../../scripts/lib/scratch-stack";
import { quickStoppingPod } from "./fixtures";
import { expectNothingLeft } from "./pod-health";

const TOP = resolve(__dirname, "../..");
const run = Math.random().toString(36).slice(2, 7);
const [a, b] = [`pa${run}`, `pb${run}`];
const config = (pods: IPod[]) => ({ platform: "docker", cgroupDriver: "auto", pods });

/** The walkthrough's pod b with its sidecar's memory limit changed, or without one (null: a violation). */
function podB(sidecarMemory: string | null = "128Mi"): IPod {
  const p = quickStoppingPod(b);
  p.spec!.containers[1].resources = sidecarMemory ? { limits: { memory: sidecarMemory } } : {};
  return p;
}

describe("a pull request's preview against the shared state", () => {
  let store: ObjectStore;
  let main: ScratchStack;
  const branches: ScratchStack[] = [];

  /** `npm run preview` as CI runs it, in a checkout of the branch: exit code, output, Markdown summary. */
  async function ciPreviewIn(branch: ScratchStack, env: Record<string, string> = {}) {
    const summary = join(branch.dir, "summary.md");
    const result = await execa("bash", ["scripts/preview", main.stack, "--dir", branch.dir, "--summary", summary], {
      cwd: TOP, env: { ...branch.env, GITHUB_ACTIONS: "true", GITHUB_STEP_SUMMARY: "", ...env }, reject: false, all: true,
    });
    return { ...result, all: result.all ?? "", summary: existsSync(summary) ? readFileSync(summary, "utf8") : "" };
  }
  async function ciPreview(pods: IPod[]) {
    const branch = ScratchStack.checkout(main, config(pods));
    branches.push(branch);
    return ciPreviewIn(branch);
  }

  beforeAll(async () => {
    await requireTools("pulumi", "docker");
    store = await startObjectStore();
    main = await ScratchStack.create(`pr-${run}`, config([quickStoppingPod(a), podB()]), store.env);
    await main.up();
  }, 600_000);

  afterAll(async () => {
    try {
      await main?.dispose();
      await Promise.all(branches.map((s) => s.dispose(false)));
      await expectNothingLeft(a);
      await expectNothingLeft(b);
    } finally {
      await store?.stop();
    }
  }, 300_000);

  it("keeps the stack's state in the object store", () => {
    const objects = execa.sync("find", [store.dir, "-path", `*/.pulumi/stacks/*/${main.stack}.json`]).stdout;
    expect(objects).toContain(`${main.stack}.json`);
  });

  it("previews 'no changes' for a branch that changes nothing", async () => {
    const r = await ciPreview([quickStoppingPod(a), podB()]);
    expect(r.exitCode, r.all).toBe(0);
    expect(r.summary).toContain(`### podlab preview: \`${main.stack}\``);
    expect(r.summary).toContain("No changes.");
    expect(r.summary).toContain("Policies: every rule of `podlab-layout` passed.");
    expect(r.summary).toContain(`State: \`s3://podlab-state\``); // no endpoint, no credentials
  }, 300_000);

  it("names exactly the changed pod's resources, and the policies' verdict", async () => {
    const r = await ciPreview([quickStoppingPod(a), podB("96Mi")]);
    expect(r.exitCode, r.all).toBe(0);
    const all = r.summary.split("\n").filter((l) => l.startsWith("| ") && !l.startsWith("| pod "));
    // The stack's agent is replaced with any pod's containers: its own row, apart from the pods'.
    const agentRows = all.filter((l) => l.startsWith("| (pods' agent) |"));
    expect(agentRows, r.summary).toHaveLength(1);
    expect(agentRows[0]).toContain("replace `agent` (Container)");
    const rows = all.filter((l) => !agentRows.includes(l));
    expect(rows, r.summary).toHaveLength(1);
    expect(rows[0]).toMatch(new RegExp(`^\\| ${b} \\| 0 \\| 1 \\| [1-9]\\d* \\| 0 \\| `));
    expect(rows[0]).toContain(`replace \`${b}-sidecar\` (Container)`);
    // The pod cgroup's limit follows the sum of its containers' (the kubelet's ResourceConfigForPod).
    expect(rows[0]).toContain(`update \`${b}-cgroup\` (Command)`);
    expect(r.summary).not.toContain(`${a}-`);
    // The diff itself, as `pulumi preview --diff` prints it: the sidecar's memory, 128 MiB to 96.
    expect(r.all).toMatch(/memory\s*:\s*128 => 96/);
    // The replaced containers' IDs are unknown until `up`: the pack says which rules wait for it.
    expect(r.summary, r.summary).toMatch(/Not checked until `up` \(values unknown in a preview\): .*docker-pod-membership/);
    expect(r.summary).not.toContain("Policy violations");
  }, 300_000);

  it("fails on a policy violation, with the violation in the summary", async () => {
    const r = await ciPreview([quickStoppingPod(a), podB(null)]);
    expect(r.exitCode, r.summary + (r.all ?? "").slice(-3000)).toBe(1);
    expect(r.summary, r.summary).toMatch(/\*\*memory-limits\*\* \(mandatory\).*container sidecar has no memory limit/);
    expect(r.all).toMatch(/\[mandatory\]\s+memory-limits/); // the policy pack's own report
  }, 300_000);

  it("in CI, previews only a stack that exists in a shared backend, and creates nothing", async () => {
    const branch = ScratchStack.checkout(main, config([quickStoppingPod(a), podB()]));
    branches.push(branch);
    const local = await ciPreviewIn(branch, { PULUMI_BACKEND_URL: `file://${branch.dir}/.state` });
    expect(local.exitCode).not.toBe(0);
    expect(local.all).toContain("PULUMI_BACKEND_URL is a local backend");
    const missing = await execa("bash", ["scripts/preview", `nosuch-${run}`, "--dir", branch.dir], {
      cwd: TOP, env: { ...branch.env, GITHUB_ACTIONS: "true", GITHUB_STEP_SUMMARY: "" }, reject: false, all: true,
    });
    expect(missing.exitCode).not.toBe(0);
    expect(missing.all).toContain(`stack nosuch-${run} is not in the backend`);
    expect(execa.sync("find", [store.dir, "-name", `nosuch-${run}*`]).stdout).toBe("");
  }, 300_000);

  it("lets previews run beside an update, and refuses a second update while one holds the lock", async () => {
    const branch = ScratchStack.checkout(main, config([quickStoppingPod(a), podB("112Mi")]));
    branches.push(branch);
    main.setConfig(config([quickStoppingPod(a), podB("104Mi")]));
    const update = main.up();
    // Wait until the first update holds the stack's lock (a file under .pulumi/locks in the bucket).
    const lockFiles = () => execa.sync("find", [store.dir, "-path", "*/.pulumi/locks/*", "-name", "*.json"]).stdout;
    for (let i = 0; lockFiles() === "" && i < 300; i++) await new Promise((r) => setTimeout(r, 100));
    expect(lockFiles(), "the first update's lock").not.toBe("");
    const [second, p1, p2] = await Promise.all([branch.up().catch((e) => e), ciPreviewIn(branch), ciPreviewIn(branch)]);
    await update;
    expect(second.exitCode).not.toBe(0);
    expect(second.all).toMatch(/locked/);
    expect(second.locked, "a ConcurrentUpdateError").toBe(true);
    expect(p1.exitCode, p1.all).toBe(0);
    expect(p2.exitCode, p2.all).toBe(0);
    // The stack is not corrupted: it says what the first update made, and previews cleanly.
    expect((await main.preview()).changeSummary).toEqual({ same: expect.any(Number) });
  }, 400_000);
});
