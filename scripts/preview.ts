// `npm run preview`: `pulumi preview --diff` of each stack with podlab's policy pack, as CI runs it,
// through Pulumi's Automation API (LocalWorkspace). When the other stack is deployed, its layouts go
// to the cross-stack policy. With --summary (or in GitHub Actions, $GITHUB_STEP_SUMMARY) it writes a
// short Markdown summary for a reviewer: the changes by pod and the policy violations. Exits 1 when a
// mandatory policy is violated or a preview fails.
//   npm run preview -- [STACK...] [--summary FILE] [--dir PROJECT_DIR]   (default: docker-host minikube)
import { EngineEvent, LocalWorkspace, OpType } from "@pulumi/pulumi/automation";
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";

const TOP = resolve(__dirname, "..");
const OTHER: Record<string, string> = { "docker-host": "minikube", minikube: "docker-host" };
const COUNTED: OpType[] = ["create", "update", "replace", "delete"];

/** One stack's preview as a reviewer reads it. */
export interface PreviewResult {
  stack: string;
  /** Planned steps other than "same", by pod ("(stack)" for what belongs to no pod). */
  changes: { pod: string; op: OpType; resource: string; type: string }[];
  violations: { policy: string; level: string; message: string; resource?: string }[];
  /** Rules the engine could not run in this preview: they read values known only after `up`. */
  notRun: string[];
  /** Set when the preview itself failed (a mandatory policy violation, or an error). */
  error?: string;
}

const nameOf = (urn: string) => urn.split("::").pop()!;
const typeOf = (urn: string) => urn.split("::")[2]?.split("$").pop() ?? "";

/** The pod a step belongs to: its own name for a pod component, its parent pod's for the parts. */
function podOf(urn: string, parent: string | undefined): string {
  if (/^podlab:(docker|kubernetes):Pod$/.test(typeOf(urn))) return nameOf(urn);
  if (parent && /^podlab:(docker|kubernetes):Pod$/.test(typeOf(parent))) return nameOf(parent);
  return "(stack)";
}

/** Collects the steps and policy results of a preview from its engine events. */
export function collect(result: PreviewResult) {
  return (e: EngineEvent) => {
    const step = e.resourcePreEvent?.metadata;
    // Components (the stack, podlab's pods and image sets) only group the real resources: leave them out.
    if (step && step.op !== "same" && step.op !== "read" && step.type !== "pulumi:pulumi:Stack" && !step.type.startsWith("podlab:")) {
      // A replacement shows as create-replacement, delete-replaced and replace: count the replace.
      if (step.op === "create-replacement" || step.op === "delete-replaced" || step.op === "discard-replaced") return;
      result.changes.push({ pod: podOf(step.urn, (step.new ?? step.old)?.parent), op: step.op, resource: nameOf(step.urn), type: step.type });
    }
    const p = e.policyEvent;
    if (p && /^can't run policy/.test(p.message)) result.notRun.push(p.policyName);
    else if (p) result.violations.push({ policy: p.policyName, level: p.enforcementLevel, message: p.message.trim(), ...(p.resourceUrn ? { resource: nameOf(p.resourceUrn) } : {}) });
  };
}

/** The reviewer's Markdown: per stack, a table of changes by pod, then the policy violations. */
export function summaryMarkdown(results: PreviewResult[], backend: string): string {
  const out: string[] = [];
  for (const r of results) {
    out.push(`### podlab preview: \`${r.stack}\``, "", `State: \`${backend}\``, "");
    if (r.error && r.changes.length === 0 && r.violations.length === 0) {
      // Failed before planning (bad config, no backend): nothing else in this preview is true.
      const line = r.error.split("\n").find((l) => /error:/.test(l))?.trim() ?? r.error.split("\n")[0];
      out.push(`**The preview failed:** ${line}`, "");
      continue;
    }
    if (r.changes.length === 0) {
      out.push("No changes.", "");
    } else {
      const pods = [...new Set(r.changes.map((c) => c.pod))].sort();
      out.push("| pod | create | update | replace | delete | resources |", "|---|---|---|---|---|---|");
      for (const pod of pods) {
        const mine = r.changes.filter((c) => c.pod === pod);
        const counts = COUNTED.map((op) => mine.filter((c) => c.op === op).length);
        const resources = mine.map((c) => `${c.op} \`${c.resource}\` (${c.type.split(/[:/]/).pop()})`).join(", ");
        out.push(`| ${pod} | ${counts.join(" | ")} | ${resources} |`);
      }
      out.push("");
    }
    if (r.notRun.length) out.push(`Not checked until \`up\` (values unknown in a preview): ${[...new Set(r.notRun)].join(", ")}.`, "");
    if (r.violations.length === 0 && r.notRun.length === 0) out.push("Policies: every rule of `podlab-layout` passed.", "");
    else if (r.violations.length === 0) out.push("Policies: no violation among the rules that ran.", "");
    else {
      out.push("Policy violations:", "");
      for (const v of r.violations) out.push(`- **${v.policy}** (${v.level})${v.resource ? ` on \`${v.resource}\`` : ""}: ${v.message.replace(/\n+/g, " ")}`);
      out.push("");
    }
    if (r.error) out.push(`**The preview failed.** ${r.error.split("\n").find((l) => /error:/.test(l))?.trim() ?? ""}`, "");
  }
  return out.join("\n");
}

/** The backend as a reviewer may see it: no credentials or query parameters. */
const shownBackend = (url: string) => url.replace(/\?.*$/, "").replace(/\/\/[^@/]*@/, "//");

async function previewStack(stack: string, dir: string): Promise<PreviewResult> {
  const result: PreviewResult = { stack, changes: [], violations: [], notRun: [] };
  const ws = await LocalWorkspace.create({ workDir: dir });
  const s = await LocalWorkspace.createOrSelectStack({ stackName: stack, workDir: dir });
  const scratch = mkdtempSync(join(tmpdir(), "podlab-policy-config-"));
  const config: Record<string, unknown> = {};
  const other = OTHER[stack];
  const deployed = other ? await ws.stackOutputs(other).catch(() => undefined) : undefined;
  const layouts = deployed?.layouts?.value;
  if (Array.isArray(layouts)) {
    const reference = join(scratch, `layouts-${other}.json`);
    writeFileSync(reference, JSON.stringify(layouts));
    config["layouts-match-across-stacks"] = { reference };
    console.log(`    comparing with the deployed ${other} stack`);
  } else if (other) {
    console.log(`    ${other} is not deployed: the cross-stack policy has nothing to compare with`);
  }
  const configFile = join(scratch, "policy-config.json");
  writeFileSync(configFile, JSON.stringify(config));
  try {
    await s.preview({
      diff: true,
      policyPacks: [join(TOP, "policies")],
      policyPackConfigs: [configFile],
      onOutput: (text) => process.stdout.write(text),
      onEvent: collect(result),
    });
  } catch (err) {
    result.error = (err as Error).message;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return result;
}

async function main() {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { summary: { type: "string" }, dir: { type: "string" } } });
  const stacks = positionals.length ? positionals : ["docker-host", "minikube"];
  const dir = resolve(values.dir ?? TOP);
  const results: PreviewResult[] = [];
  for (const stack of stacks) {
    const t0 = Date.now();
    console.log(`==> pulumi preview --diff --policy-pack policies (${stack})`);
    results.push(await previewStack(stack, dir));
    console.log(`    ${((Date.now() - t0) / 1000).toFixed(0)}s`);
  }
  const markdown = summaryMarkdown(results, shownBackend(process.env.PULUMI_BACKEND_URL ?? "(the CLI's login)"));
  if (values.summary) writeFileSync(values.summary, markdown);
  if (process.env.GITHUB_STEP_SUMMARY) appendFileSync(process.env.GITHUB_STEP_SUMMARY, markdown);
  const failed = results.filter((r) => r.error || r.violations.some((v) => v.level === "mandatory"));
  for (const r of failed) console.error(`preview: ${r.stack}: ${r.violations.length ? `${r.violations.length} policy violation(s)` : "the preview failed"}`);
  process.exitCode = failed.length ? 1 : 0;
}

if (require.main === module) {
  main().catch((err) => {
    console.error(`preview: ${err.message}`);
    process.exit(2);
  });
}
