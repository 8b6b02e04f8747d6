import { describe, expect, it } from "vitest";
import { expand, expandArgs, expandEnv } from "../../components/model/expansion";

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
  it("expands env values against the ones before them, and command and args against all", () => {
    const env = [{ name: "A", value: "alpha" }, { name: "B", value: "$(A)-beta" }, { name: "C", value: "$(D)" }, { name: "D", value: "d" }];
    expect(expandEnv(env).map((e) => e.value)).toEqual(["alpha", "alpha-beta", "$(D)", "d"]);
    expect(expandArgs(["echo", "$(B)", "$(D)", "$$(A)"], env)).toEqual(["echo", "alpha-beta", "d", "$(A)"]);
  });
});
