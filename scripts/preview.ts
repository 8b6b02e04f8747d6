// `npm run preview`: `pulumi preview --diff` of each stack with podlab's policy pack, as CI runs it,
// through Pulumi's Automation API (LocalWorkspace). When the other stack is deployed, its layouts go
// to the cross-stack policy. With --summary (or in GitHub Actions, $GITHUB_STEP_SUMMARY) it writes a
// short Markdown summary for a reviewer: the changes by pod and the policy violations. Exits 1 when a
// mandatory policy is violated or a preview fails.
//   npm run preview -- [STACK...] [--summary FILE] [--dir PROJECT_DIR]   (default: docker-host minikube)
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { HELP_OPTION, usageOf } from "./lib/usage";
import { collect, errorLine, PreviewResult, shownBackend, summaryMarkdown } from "./lib/preview-summary";

const TOP = resolve(__dirname, "..");
const OTHER: Record<string, string> = { "docker-host": "minikube", minikube: "docker-host" };

/**
 * One stack's preview. In CI (`inCi`) the stack must exist in the backend, which must be a shared
 * one: a pull request's preview creates nothing, and never compares against an empty local state.
 */
async function previewStack(stack: string, dir: string, inCi: boolean): Promise<PreviewResult> {
  const result: PreviewResult = { stack, changes: [], violations: [], notRun: [] };
  const scratch = mkdtempSync(join(tmpdir(), "podlab-policy-config-"));
  try {
    const ws = await LocalWorkspace.create({ workDir: dir });
    const s = inCi
      ? await LocalWorkspace.selectStack({ stackName: stack, workDir: dir }).catch((err) => {
        throw new Error(`stack ${stack} is not in the backend (deploy it first; CI previews create nothing): ${errorLine((err as Error).message)}`);
      })
      : await LocalWorkspace.createOrSelectStack({ stackName: stack, workDir: dir });
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
      console.log(`    ${other} has no layouts in this backend: the cross-stack policy has nothing to compare with`);
    }
    const configFile = join(scratch, "policy-config.json");
    writeFileSync(configFile, JSON.stringify(config));
    await s.preview({
      diff: true,
      policyPacks: [join(TOP, "policies")],
      policyPackConfigs: [configFile],
      onOutput: (text) => process.stdout.write(text),
      onError: (text) => process.stderr.write(text),
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
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { summary: { type: "string" }, dir: { type: "string" }, ...HELP_OPTION } });
  if (values.help) return void console.log(usageOf(__filename));
  // A relative --summary is the caller's: npm runs scripts from the project's folder.
  const summary = values.summary && resolve(process.env.INIT_CWD ?? process.cwd(), values.summary);
  const stacks = positionals.length ? positionals : ["docker-host", "minikube"];
  const dir = resolve(values.dir ?? TOP);
  // In GitHub Actions a preview is only worth something against the shared state of what is deployed.
  const inCi = process.env.GITHUB_ACTIONS === "true";
  const backend = process.env.PULUMI_BACKEND_URL ?? "";
  if (inCi && (backend === "" || backend.startsWith("file:"))) {
    throw new Error(`PULUMI_BACKEND_URL is ${backend ? `a local backend (${backend})` : "empty"}: a pull request is previewed against the team's shared backend (the repository's secrets, which pull requests from forks do not get)`);
  }
  const results: PreviewResult[] = [];
  for (const stack of stacks) {
    const t0 = Date.now();
    console.log(`==> pulumi preview --diff --policy-pack policies (${stack})`);
    const result = await previewStack(stack, dir, inCi);
    results.push(result);
    if (result.error) console.error(`preview: ${stack}: ${errorLine(result.error)}`);
    console.log(`    ${((Date.now() - t0) / 1000).toFixed(0)}s`);
  }
  const markdown = summaryMarkdown(results, shownBackend(process.env.PULUMI_BACKEND_URL ?? "(the CLI's login)"));
  if (summary) writeFileSync(summary, markdown);
  if (process.env.GITHUB_STEP_SUMMARY) appendFileSync(process.env.GITHUB_STEP_SUMMARY, markdown);
  let failed = 0;
  for (const r of results) {
    const mandatory = r.violations.filter((v) => v.level === "mandatory").length;
    if (mandatory) console.error(`preview: ${r.stack}: ${mandatory} mandatory policy violation(s)`);
    if (mandatory || r.error) failed++;
  }
  process.exitCode = failed ? 1 : 0;
}

if (require.main === module) {
  main().catch((err) => {
    console.error(`preview: ${err.message}`);
    process.exit(2);
  });
}
