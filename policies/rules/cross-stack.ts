// The two stacks' layouts match, but for what the platforms explain (Docker cannot share UTS;
// Docker's sandbox container versus Kubernetes' pause container; who names the pod's cgroup).
import { compareLayouts, unexpected } from "../../components/model/compare";
import { PodLayout } from "../../components/model/layout";
import { declaredLayouts, Resource } from "../resources";
import { describeValue } from "./model-layout";

export function crossStackViolations(resources: Resource[], reference: PodLayout[]): string[] {
  const out: string[] = [];
  for (const { layout } of declaredLayouts(resources)) {
    const other = reference.find((r) => r.pod === layout.pod);
    if (!other) {
      out.push(`pod ${layout.pod}: the other stack has no pod of that name`);
      continue;
    }
    for (const d of unexpected(compareLayouts(other, layout))) {
      out.push(`${d.path}: ${other.platform} has ${describeValue(d.left)}, ${layout.platform} has ${describeValue(d.right)}`);
    }
  }
  return out;
}
