// The CI preview's reading of engine events and its Markdown summary (scripts/lib/preview-summary.ts).
import { EngineEvent } from "@pulumi/pulumi/automation";
import { describe, expect, it } from "vitest";
import { collect, PreviewResult, summaryMarkdown, SUMMARY_MARKER } from "../../scripts/lib/preview-summary";

const U = (type: string, name: string) => `urn:pulumi:dev::podlab::${type}::${name}`;
const POD = (pod: string) => U("podlab:docker:Pod", pod);
const step = (op: string, type: string, name: string, parent?: string): EngineEvent =>
  ({ sequence: 0, timestamp: 0, resourcePreEvent: { metadata: { op, urn: U(`podlab:docker:Pod$${type}`, name), type, provider: "", new: parent ? { parent } : undefined } } }) as unknown as EngineEvent;

describe("the CI preview's summary", () => {
  it("counts a replacement once, by pod, and leaves components out", () => {
    const r: PreviewResult = { stack: "dev", changes: [], violations: [], notRun: [] };
    const on = collect(r);
    for (const op of ["create-replacement", "replace", "delete-replaced"]) on(step(op, "docker:index/container:Container", "b-app", POD("b")));
    on(step("update", "command:local:Command", "b-cgroup", POD("b")));
    on(step("same", "docker:index/container:Container", "a-app", POD("a")));
    on(step("update", "podlab:docker:Pod", "b"));
    on(step("replace", "docker:index/remoteImage:RemoteImage", "image-x", U("podlab:docker:Images", "images")));
    expect(r.changes.map((c) => `${c.pod} ${c.op} ${c.resource}`)).toEqual(["b replace b-app", "b update b-cgroup", "(shared images) replace image-x"]);
    const md = summaryMarkdown([r], "s3://bucket");
    expect(md.startsWith(SUMMARY_MARKER)).toBe(true);
    expect(md).toContain("| b | 0 | 1 | 1 | 0 | replace `b-app` (Container), update `b-cgroup` (Command) |");
    expect(md).toContain("Policies: every rule of `podlab-layout` passed.");
  });

  it("tells violations from rules that could not run, and a failed preview from a clean one", () => {
    const r: PreviewResult = { stack: "dev", changes: [], violations: [], notRun: [] };
    const on = collect(r);
    const policy = (message: string, level = "mandatory") =>
      ({ sequence: 0, timestamp: 0, policyEvent: { message, color: "never", policyName: "memory-limits", policyPackName: "podlab-layout", policyPackVersion: "0.1.0", policyPackVersionTag: "", enforcementLevel: level } }) as unknown as EngineEvent;
    on(policy("<{%reset%}>can't run policy 'memory-limits' during preview: unknown<{%reset%}>", "advisory"));
    expect(summaryMarkdown([r], "s3://b")).toContain("Not checked until `up` (values unknown in a preview): memory-limits.");
    on(policy("pod b: container sidecar has no memory limit"));
    const md = summaryMarkdown([{ ...r, error: "code: 255\nstderr: error: preview failed" }], "s3://b");
    expect(md).toContain("- **memory-limits** (mandatory): pod b: container sidecar has no memory limit");
    expect(md).toContain("**The preview failed:** error: preview failed");
    expect(md).not.toContain("passed");
    expect(summaryMarkdown([{ stack: "dev", changes: [], violations: [], notRun: [], error: "error: incorrect passphrase" }], "s3://b"))
      .toContain("**The preview failed:** error: incorrect passphrase");
  });
});
