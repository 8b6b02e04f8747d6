// What `npm run preview` makes of a preview for a reviewer: the steps and policy results it reads
// from the engine's events, and the Markdown summary it writes (scripts/preview.ts).
import { EngineEvent, OpType } from "@pulumi/pulumi/automation";

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

/**
 * The pod a step belongs to: its parent pod's name for a pod's parts; "(shared images)" for the
 * stack's image set (podlab:docker:Images), which pods share; "(pods' agent)" for the stack's agent
 * and readiness gate (podlab:docker:Agent), replaced with any pod's containers; "(stack)" for the
 * rest (providers).
 */
function podOf(urn: string, parent: string | undefined): string {
  if (parent && /^podlab:(docker|kubernetes):Pod$/.test(typeOf(parent))) return nameOf(parent);
  if (parent && typeOf(parent) === "podlab:docker:Images") return "(shared images)";
  if (parent && typeOf(parent) === "podlab:docker:Agent") return "(pods' agent)";
  return "(stack)";
}

/** Pulumi's colour directives, as in <{%reset%}>: gone when the CLI writes to a file, stripped anyway. */
const plain = (s: string) => s.replace(/<\{%[^%]*%\}>/g, "");

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
    const message = p ? plain(p.message).trim() : "";
    if (p && /^can't run policy/.test(message)) result.notRun.push(p.policyName);
    else if (p) result.violations.push({ policy: p.policyName, level: p.enforcementLevel, message, ...(p.resourceUrn ? { resource: nameOf(p.resourceUrn) } : {}) });
  };
}

/** The reviewer's Markdown: per stack, a table of changes by pod, then the policy violations. */
export function summaryMarkdown(results: PreviewResult[], backend: string): string {
  const out: string[] = [SUMMARY_MARKER];
  for (const r of results) {
    out.push(`### podlab preview: \`${r.stack}\``, "", `State: \`${backend}\``, "");
    if (r.error && r.changes.length === 0 && r.violations.length === 0) {
      // Failed before planning (bad config, no backend): nothing else in this preview is true.
      out.push(`**The preview failed:** ${errorLine(r.error)}`, "");
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
    if (r.violations.length === 0 && !r.error) {
      out.push(r.notRun.length ? "Policies: no violation among the rules that ran." : "Policies: every rule of `podlab-layout` passed.", "");
    }
    else {
      out.push("Policy violations:", "");
      for (const v of r.violations) out.push(`- **${v.policy}** (${v.level})${v.resource ? ` on \`${v.resource}\`` : ""}: ${v.message.replace(/\n+/g, " ")}`);
      out.push("");
    }
    if (r.error) out.push(`**The preview failed:** ${errorLine(r.error)}`, "");
  }
  return out.join("\n");
}

/** Marks podlab's comment on a pull request, so that the workflow updates it instead of adding one. */
export const SUMMARY_MARKER = "<!-- podlab-preview -->";

/** The backend as a reviewer may see it: no credentials or query parameters. */
export const shownBackend = (url: string) => url.replace(/\?.*$/, "").replace(/\/\/[^@/]*@/, "//");

/** The line of a failure that says what went wrong, without the backend's address or credentials. */
export function errorLine(error: string): string {
  // A failed Pulumi command's message starts "code: N" and holds the CLI's output: its "error:" line
  // says what went wrong. Any other message (podlab's own) says it in its first line.
  const found = /^code: /.test(error) ? error.split("\n").map((l) => plain(l).trim()).find((l) => /error:/.test(l)) : undefined;
  const line = found ? found.slice(found.indexOf("error:")) : plain(error.split("\n")[0]);
  const backend = process.env.PULUMI_BACKEND_URL;
  return backend ? line.split(backend).join(shownBackend(backend)).replace(/endpoint=[^&\s]*/g, "endpoint=…") : line;
}

