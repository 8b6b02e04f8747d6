// The README's support table is the code's: generated from components/model/support.ts.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { withSupportTable } from "../../scripts/support-table";

describe("the README's support table", () => {
  it("is the one generated from the code (run 'npm run support-table' after changing support.ts)", () => {
    const readme = readFileSync(join(__dirname, "../../README.md"), "utf8");
    expect(withSupportTable(readme)).toBe(readme);
  });
});
