// A stack's pods are laid out exactly as the shared Pod model implies on their platform.
import { compareLayouts } from "../../components/model/compare";
import { expectedLayout } from "../../components/model/layout";
import { declaredLayouts, Resource } from "../resources";

export const describeValue = (v: unknown) => JSON.stringify(v);

export function modelViolations(resources: Resource[]): string[] {
  return declaredLayouts(resources).flatMap(({ spec, layout }) =>
    compareLayouts(expectedLayout(spec, layout.platform), layout)
      // The cgroup parent's name depends on Docker's cgroup driver: docker-pod-membership checks it.
      .filter((d) => !d.path.endsWith(": cgroup parent"))
      .map(
      (d) => `${d.path}: the model implies ${describeValue(d.left)}, the stack declares ${describeValue(d.right)}`,
    ),
  );
}
