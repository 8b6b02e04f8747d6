// The program asks the local engine through its Engine API (components/docker/engine-api.ts) what it
// asked the docker CLI before: both must read the same facts from the same engine.
import execa from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { detectCgroupDriver, hostFacts, imageIds, inspectImages, podOwners, publishedPorts } from "../../components/docker/host";
import { LABEL_POD, LABEL_ROLE, LABEL_STACK } from "../../components/model/labels";
import { requireTools } from "../../scripts/lib/scratch-stack";

const run = Math.random().toString(36).slice(2, 7);
const name = `hf${run}-sandbox`;
const port = 30000 + Math.floor(Math.random() * 10000);

describe("the local engine's facts, through the Engine API", () => {
  beforeAll(async () => {
    await requireTools("docker");
    // A sandbox-like container: labelled as a pod's sandbox, publishing a TCP and a UDP port.
    await execa("docker", ["run", "-d", "--name", name, "-p", `${port}:80`, "-p", `${port + 1}:53/udp`,
      "--label", `${LABEL_ROLE}=sandbox`, "--label", `${LABEL_POD}=hf${run}`, "--label", `${LABEL_STACK}=podlab/hf-${run}`, "podlab/pause:0.1"]);
  }, 60_000);

  afterAll(async () => {
    await execa("docker", ["rm", "-f", name], { reject: false });
  });

  it("reads what the docker CLI reads: cgroup driver, image IDs, pod owners, published ports", async () => {
    const refs = ["podlab/pause:0.1", "podlab/agent:0.1", "podlab/curl:0.1", "podlab/no-such-image:0.1"];
    const facts = await hostFacts(undefined, refs);
    expect(facts.cgroupDriver).toBe(detectCgroupDriver());
    expect(facts.imageIds).toEqual(imageIds(refs));
    // The images' own ENTRYPOINT and CMD, which env-exec is told: the CLI's reading too.
    expect(facts.imageDefaults).toEqual(inspectImages(refs).defaults);
    expect(facts.imageDefaults.get("podlab/curl:0.1")).toEqual({ entrypoint: [], cmd: ["sleep", "infinity"] });
    expect(facts.imageIds.has("podlab/no-such-image:0.1")).toBe(false);
    expect(facts.imageIds.get("podlab/pause:0.1")).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(facts.owners.get(`hf${run}`)).toBe(`podlab/hf-${run}`);
    // Other tests make and remove pods meanwhile: only this one's entry is compared.
    expect(podOwners().get(`hf${run}`)).toBe(`podlab/hf-${run}`);
    const mine = (ps: { port: number; protocol: string; container: string; pod?: string }[]) =>
      ps.filter((p) => p.container === name).map((p) => `${p.port}/${p.protocol}/${p.pod}`).sort();
    expect(mine(facts.published)).toEqual([`${port}/TCP/hf${run}`, `${port + 1}/UDP/hf${run}`].sort());
    expect(mine(facts.published)).toEqual(mine(publishedPorts()));
  });
});
