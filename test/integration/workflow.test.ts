// The shipped GitHub workflow cannot run here; actionlint (built by `npm run bootstrap`) checks it:
// syntax, expressions, action inputs, runner labels (.github/actionlint.yaml) and, with shellcheck
// (Debian's, installed by the bootstrap), the shell of its steps.
import execa from "execa";
import { readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const WORKFLOWS = resolve(__dirname, "../../.github/workflows");

describe("the GitHub workflows", () => {
  it("pass actionlint", async () => {
    await execa("actionlint", ["-version"]).catch((err) => {
      throw new Error(`actionlint is not on PATH (run 'npm run bootstrap', which builds it): ${err.shortMessage ?? err.message}`);
    });
    // Without shellcheck, actionlint skips the steps' shell without a word.
    await execa("shellcheck", ["--version"]).catch((err) => {
      throw new Error(`shellcheck is not installed (run 'npm run bootstrap', which installs it): ${err.shortMessage ?? err.message}`);
    });
    const files = readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f)).map((f) => join(WORKFLOWS, f));
    expect(files.length).toBeGreaterThan(0);
    const result = await execa("actionlint", files, { cwd: resolve(WORKFLOWS, "../.."), reject: false, all: true });
    expect(result.exitCode, result.all).toBe(0);
  });

  it("catch a broken workflow (the check can fail)", async () => {
    const result = await execa("actionlint", ["-"], { input: "on: push\njobs:\n  x:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo ${{ github.nope }}\n", reject: false, all: true });
    expect(result.exitCode).not.toBe(0);
    expect(result.all).toMatch(/nope/);
  });
});
