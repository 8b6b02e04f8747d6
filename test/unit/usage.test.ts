// `--help` of podlab's scripts prints the script's header comment and exits 0.
import execa from "execa";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { usageOf } from "../../scripts/lib/usage";

const TOP = resolve(__dirname, "../..");

describe("--help", () => {
  it("is the script's header comment, without the slashes", () => {
    const usage = usageOf(join(TOP, "scripts/compare.ts"));
    expect(usage.split("\n")[0]).toBe("`npm run compare`: the two stacks' pod layouts side by side. Every difference is marked expected");
    expect(usage).toContain("--live");
    expect(usage).not.toMatch(/^\/\/|import /m);
  });

  it("prints it and exits 0 for compare, inspect, preview and bench", async () => {
    for (const script of ["compare", "inspect", "preview", "bench"]) {
      const r = await execa("npx", ["tsx", `scripts/${script}.ts`, "--help"], { cwd: TOP, reject: false });
      expect(r.exitCode, `${script}: ${r.stderr}`).toBe(0);
      expect(r.stdout).toContain(`npm run ${script}`);
    }
  }, 60_000);
});
