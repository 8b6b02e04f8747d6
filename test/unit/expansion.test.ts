import { describe, expect, it } from "vitest";
import { expand, expandArgs } from "../../components/model/expansion";

describe("Kubernetes' $(VAR) expansion", () => {
  const vars = new Map([["A", "alpha"], ["EMPTY", ""]]);
  const lookup = (n: string) => vars.get(n);
  it("expands defined names, keeps undefined ones, and reads $$ as $", () => {
    expect(expand("$(A)-beta", lookup)).toBe("alpha-beta");
    expect(expand("$(B)", lookup)).toBe("$(B)");
    expect(expand("$$(A)", lookup)).toBe("$(A)");
    expect(expand("[$(EMPTY)]", lookup)).toBe("[]");
    expect(expand("$A $ $(A", lookup)).toBe("$A $ $(A");
    expect(expand("cost: 5$", lookup)).toBe("cost: 5$");
  });
  it("expands command and args against the final env (env.test.ts: how env itself is expanded)", () => {
    const env = [{ name: "A", value: "alpha" }, { name: "B", value: "alpha-beta" }, { name: "D", value: "$(A)" }];
    expect(expandArgs(["echo", "$(B)", "$(D)", "$$(A)", "$(NONE)"], env)).toEqual(["echo", "alpha-beta", "$(A)", "$(A)", "$(NONE)"]);
  });
});
