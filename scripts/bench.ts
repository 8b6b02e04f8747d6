// `npm run bench`: podlab against what a user would pick instead, on the same pods: OpenTofu with the
// Terraform Docker provider (the provider podlab's docker plugin bridges), and the walkthrough's docker
// commands run one after another; podlab both through the Automation API (as its tests drive it) and
// through the plain CLI (`pulumi up --yes --skip-preview`), beside Pulumi's floor (an empty program). For 1 and 10 pods: up, a no-change preview (tofu: plan; the CLI:
// one docker inspect of every container) and destroy; wall and CPU seconds; median, min and max of
// PODLAB_BENCH_RUNS runs (default 5), the tools interleaved (their order rotating each run) so that the
// machine's drift hits all alike. Each tool's pods are checked on the live host before its times
// count. Then the ratios against podlab's targets, and the time from a sandbox's death to a whole pod.
// OpenTofu and the provider are built from the Go module proxy into podlab's cache on first use.
import execa from "execa";
import { parseArgs } from "node:util";
import { HELP_OPTION, usageOf } from "./lib/usage";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { waitWhole, wholePod } from "../host/whole";
import { BenchPod, benchManifest, checkLayouts, expectedLayout } from "./bench/layout";
import { measure, Sample, stats } from "./bench/measure";
import { plainCli, podlab, podlabCli, pulumiFloor, Tool, tofu } from "./bench/tools";
import { ScratchStack } from "./lib/scratch-stack";

const TOP = resolve(__dirname, "..");
const RUNS = Number(process.env.PODLAB_BENCH_RUNS ?? 5);
if (!Number.isInteger(RUNS) || RUNS < 1) {
  console.error(`bench: PODLAB_BENCH_RUNS=${JSON.stringify(process.env.PODLAB_BENCH_RUNS)} is not a whole number of runs, 1 or more`);
  process.exit(2);
}
const SIZES = [1, 10];
const STEPS = ["up", "preview", "destroy"] as const;
type Step = (typeof STEPS)[number];
const TOOLS = ["podlab", "podlab CLI", "Pulumi floor", "tofu", "docker CLI"] as const;
type ToolName = (typeof TOOLS)[number];
const tag = Math.random().toString(36).slice(2, 5);

function pods(n: number, prefix: string): BenchPod[] {
  return Array.from({ length: n }, (_, i) => ({
    name: `${prefix}p${i}`,
    containers: [
      { name: "app", image: "podlab/httpbin:0.1", command: ["gunicorn", "--bind", "0.0.0.0:80", "httpbin:app"], memory: "256Mi" },
      { name: "sidecar", image: "podlab/curl:0.1", command: ["sleep", "infinity"], memory: "128Mi" },
    ],
  }));
}

/** Builds (once) OpenTofu and the Docker provider; returns their folder. */
async function tofuDir(): Promise<string> {
  const script = join(TOP, "scripts/toolchain/build-tofu.sh");
  // Keyed by the build script and the two module pins it builds, not the other pins.
  const pins = readFileSync(join(TOP, "toolchain/versions.env"), "utf8").split("\n").filter((l) => /^(OPENTOFU_MODULE|TF_DOCKER_MODULE)=/.test(l));
  const key = createHash("sha256").update(readFileSync(script)).update(pins.join("\n")).digest("hex").slice(0, 12);
  const root = join(process.env.PODLAB_CACHE ?? join(homedir(), ".cache/podlab"), "bench");
  const dir = join(root, `tofu-${key}`);
  // Builds of other pins are stale: keep the cache from growing without end.
  for (const old of existsSync(root) ? readdirSync(root) : []) if (old.startsWith("tofu-") && old !== `tofu-${key}`) rmSync(join(root, old), { recursive: true, force: true });
  const t0 = Date.now();
  await execa("bash", [script, dir], { stdio: "inherit" });
  if (Date.now() - t0 > 5000) console.log(`(OpenTofu and the Docker provider built in ${Math.round((Date.now() - t0) / 1000)}s, cached in ${dir})`);
  return dir;
}

type Results = Record<ToolName, Record<number, Record<Step, Sample[]>>>;

async function once(name: ToolName, n: number, run: number, dir: string, results: Results) {
  const short = { podlab: "bp", "podlab CLI": "bq", "Pulumi floor": "bf", tofu: "bt", "docker CLI": "bc" }[name];
  const ps = pods(n, `${short}${tag}r${run}n${n}`);
  const make: Record<ToolName, () => Promise<Tool>> = {
    podlab: () => podlab(ps), "podlab CLI": () => podlabCli(ps), "Pulumi floor": () => pulumiFloor(), tofu: () => tofu(ps, dir), "docker CLI": () => plainCli(ps),
  };
  const tool = await make[name]();
  try {
    const up = await measure(() => tool.up());
    // The floor makes no pods: there is nothing to read back.
    if (name !== "Pulumi floor") await checkLayouts(name, ps, ps.map(expectedLayout));
    const preview = await measure(() => tool.preview());
    const destroy = await measure(() => tool.destroy());
    for (const [step, s] of [["up", up], ["preview", preview], ["destroy", destroy]] as const) results[name][n][step].push(s);
    process.stdout.write(`  run ${run} ${String(n).padStart(2)} pods ${name.padEnd(10)} up ${up.wall.toFixed(2)}s preview ${preview.wall.toFixed(2)}s destroy ${destroy.wall.toFixed(2)}s\n`);
  } finally {
    await tool.dispose();
  }
}

const fmt = (xs: number[]) => {
  const s = stats(xs);
  return `${s.median.toFixed(2)} (${s.min.toFixed(2)}-${s.max.toFixed(2)})`;
};
const med = (xs: number[]) => stats(xs).median;

function report(r: Results) {
  const upDestroy = (t: ToolName, n: number, k: "wall" | "cpu") => r[t][n].up.map((u, i) => u[k] + r[t][n].destroy[i][k]);
  console.log(`\nseconds, median (min-max) of ${RUNS} runs`);
  console.log(`${"pods".padEnd(5)}${"step".padEnd(13)}${"".padEnd(5)}${TOOLS.map((t) => t.padStart(22)).join("")}`);
  for (const n of SIZES) {
    for (const step of [...STEPS, "up+destroy"] as const) {
      for (const k of ["wall", "cpu"] as const) {
        const cells = TOOLS.map((t) => fmt(step === "up+destroy" ? upDestroy(t, n, k) : r[t][n][step].map((s) => s[k])));
        console.log(`${String(n).padEnd(5)}${step.padEnd(13)}${k.padEnd(5)}${cells.map((c) => c.padStart(22)).join("")}`);
      }
    }
  }
  // Each target for both ways of running podlab: the Automation API (as the tests drive it) and the CLI.
  const wall = (t: ToolName, n: number, s: Step) => med(r[t][n][s].map((x) => x.wall));
  const targets: [string, number, number, string][] = (["podlab", "podlab CLI"] as const).flatMap((p): [string, number, number, string][] => [
    [`1 pod, up: ${p} / tofu`, wall(p, 1, "up") / wall("tofu", 1, "up"), 4, "x"],
    [`10 pods, up + destroy wall: ${p} / tofu`, med(upDestroy(p, 10, "wall")) / med(upDestroy("tofu", 10, "wall")), 1.5, "x"],
    [`10 pods, up + destroy wall: ${p} / serial CLI`, med(upDestroy(p, 10, "wall")) / med(upDestroy("docker CLI", 10, "wall")), 1.5, "x"],
    [`10 pods, no-change preview: ${p} / tofu plan`, wall(p, 10, "preview") / wall("tofu", 10, "preview"), 4, "x"],
    [`10 pods, up + destroy CPU: ${p} / tofu`, med(upDestroy(p, 10, "cpu")) / med(upDestroy("tofu", 10, "cpu")), 3, "x"],
    // Above Pulumi's floor (the empty program), per pod.
    [`10 pods, preview above the floor: ${p}, s/pod`, (wall(p, 10, "preview") - wall("Pulumi floor", 10, "preview")) / 10, 0.25, "s"],
    [`10 pods, up + destroy above the floor: ${p}, s/pod`, (med(upDestroy(p, 10, "wall")) - med(upDestroy("Pulumi floor", 10, "wall"))) / 10, 0.6, "s"],
  ]);
  console.log(`\n${"target".padEnd(56)} ${"got".padStart(6)}  ${"at most".padStart(7)}  met`);
  for (const [what, got, max, unit] of targets) console.log(`${what.padEnd(56)} ${got.toFixed(2).padStart(5)}${unit}  ${max.toFixed(2).padStart(6)}${unit}  ${got <= max ? "yes" : "NO"}`);
}

/** Seconds from killing the sandbox's pause process to every member running inside the new sandbox. */
async function recovery(times: number): Promise<number[]> {
  const [p] = pods(1, `br${tag}`);
  const stack = await ScratchStack.create(`bench-${p.name}`, { platform: "docker", cgroupDriver: "auto", sandboxImage: "podlab/pause:0.1", agentImage: "podlab/agent:0.1", pods: [benchManifest(p)] });
  try {
    await stack.up();
    const took: number[] = [];
    for (let i = 0; i < times; i++) {
      await waitWhole(p.name, ["app", "sidecar"], 30);
      const pid = (await wholePod(p.name, ["app", "sidecar"])).sandbox.pid;
      const t0 = Date.now();
      process.kill(pid, "SIGKILL");
      // Until the old sandbox is gone, the pod still looks whole.
      while ((await wholePod(p.name, ["app", "sidecar"]).catch(() => undefined))?.sandbox.pid === pid) await new Promise((r) => setTimeout(r, 50));
      await waitWhole(p.name, ["app", "sidecar"], 30);
      took.push((Date.now() - t0) / 1000);
    }
    return took;
  } finally {
    await stack.dispose();
  }
}

async function main() {
  const { values } = parseArgs({ options: { ...HELP_OPTION } });
  if (values.help) return void console.log(usageOf(__filename));
  const dir = await tofuDir();
  const results = Object.fromEntries(TOOLS.map((t) => [t, Object.fromEntries(SIZES.map((n) => [n, { up: [], preview: [], destroy: [] }]))])) as unknown as Results;
  for (let run = 1; run <= RUNS; run++) {
    for (const n of SIZES) {
      const order = TOOLS.map((_, i) => TOOLS[(i + run) % TOOLS.length]);
      for (const t of order) await once(t, n, run, dir, results);
    }
  }
  report(results);
  const took = stats(await recovery(10));
  console.log(`\nsandbox killed -> pod whole again, 10 times: median ${took.median.toFixed(2)}s, min ${took.min.toFixed(2)}s, max ${took.max.toFixed(2)}s`);
}

main().catch((err) => {
  console.error(`bench: ${err.message}\n${err.all ?? ""}`);
  process.exit(1);
});
