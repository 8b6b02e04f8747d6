// The manifest corpus (test/corpus/*.yaml): real-world-shaped Pod manifests, each with its expected
// verdict on both stacks in its first comment lines:
//   # docker: accepted | refused <text the message must hold>
//   # kubernetes: accepted | refused <text> | refused (podlab) <text>
// Each is read as `pulumi up` reads it (loadManifests: podlab-validator, the API server's validation)
// and turned into the model for each platform (podSpecFromManifest). On the kubernetes side the
// verdict is checked against the local cluster's real API server too (a server-side dry-run create of
// each document, with strict field validation, as `kubectl apply --dry-run=server` sends it): what it
// accepts podlab must accept. "refused (podlab)" marks what podlab refuses by its own choice although
// the API server would take it (a kind that is no Pod or ConfigMap). Needs podlab-validator and the
// local cluster: fails, never skips, without them.
import { readdirSync, readFileSync } from "node:fs";
import { request } from "node:https";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { readStackInput } from "../../components/stack";
import { validateFiles, validatorPath } from "../../components/model/validator";
import { ensureCluster } from "./cluster";

const CORPUS = join(__dirname, "../corpus");
const FILES = readdirSync(CORPUS).filter((f) => f.endsWith(".yaml")).sort();

interface Expected { accepted: boolean; text: string; podlabOnly: boolean }

function expected(file: string, platform: "docker" | "kubernetes"): Expected {
  const line = readFileSync(join(CORPUS, file), "utf8").split("\n").find((l) => l.startsWith(`# ${platform}: `));
  if (!line) throw new Error(`${file}: no "# ${platform}: " line`);
  const verdict = line.slice(`# ${platform}: `.length);
  if (verdict === "accepted") return { accepted: true, text: "", podlabOnly: false };
  const m = /^refused (\(podlab\) )?(.*)$/.exec(verdict);
  if (!m) throw new Error(`${file}: "${verdict}" is neither "accepted" nor "refused <text>"`);
  return { accepted: false, text: m[2], podlabOnly: !!m[1] };
}

/** What podlab says of a corpus file on a platform: undefined (accepted) or the error's message. */
function podlabVerdict(file: string, platform: "docker" | "kubernetes"): string | undefined {
  try {
    // As `pulumi up` reads the stack's manifests: the pods and the claims, for the platform.
    readStackInput({ get: () => undefined, getObject: <T>(key: string) => (key === "manifests" ? [file] as T : undefined) }, platform, CORPUS);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

interface Api { server: URL; ca: Buffer; cert: Buffer; key: Buffer }

async function api(kubeconfig: string, context: string): Promise<Api> {
  const kc = parse(readFileSync(kubeconfig, "utf8"));
  const ctx = kc.contexts.find((c: any) => c.name === context).context;
  const cluster = kc.clusters.find((c: any) => c.name === ctx.cluster).cluster;
  const user = kc.users.find((u: any) => u.name === ctx.user).user;
  const data = (inline: string | undefined, file: string | undefined) => (inline ? Buffer.from(inline, "base64") : readFileSync(file!));
  return {
    server: new URL(cluster.server),
    ca: data(cluster["certificate-authority-data"], cluster["certificate-authority"]),
    cert: data(user["client-certificate-data"], user["client-certificate"]),
    key: data(user["client-key-data"], user["client-key"]),
  };
}

/** A server-side dry-run create (strict field validation): undefined when accepted, else the API server's message. */
function dryRunCreate(a: Api, object: Record<string, unknown>): Promise<string | undefined> {
  const kind = ({ ConfigMap: "configmaps", Secret: "secrets", Service: "services", PersistentVolumeClaim: "persistentvolumeclaims" } as Record<string, string>)[object.kind as string] ?? "pods";
  const ns = ((object.metadata as any)?.namespace as string | undefined) ?? "default";
  // StorageClasses are cluster-wide, in the storage.k8s.io group.
  const path = object.kind === "StorageClass" ? "/apis/storage.k8s.io/v1/storageclasses" : `/api/v1/namespaces/${ns}/${kind}`;
  const body = JSON.stringify(object);
  return new Promise((resolve, reject) => {
    const req = request({
      host: a.server.hostname, port: a.server.port, method: "POST", ca: a.ca, cert: a.cert, key: a.key,
      path: `${path}?dryRun=All&fieldValidation=Strict`,
      headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
    }, (res) => {
      let text = "";
      res.on("data", (c) => (text += c));
      res.on("end", () => resolve(res.statusCode! < 300 ? undefined : (JSON.parse(text).message as string)));
    });
    req.on("error", reject);
    req.end(body);
  });
}

describe("the manifest corpus", () => {
  let a: Api;
  beforeAll(async () => {
    if (!validatorPath()) throw new Error("podlab-validator is missing: run `npm run bootstrap` (it builds toolchain/validator), then `source .podlab/env`");
    const cluster = await ensureCluster();
    a = await api(cluster.KUBECONFIG, cluster.PODLAB_K8S_CONTEXT);
  }, 30 * 60_000);

  it("holds at least 40 manifests", () => expect(FILES.length).toBeGreaterThanOrEqual(40));

  for (const file of FILES) {
    describe(file, () => {
      for (const platform of ["docker", "kubernetes"] as const) {
        it(`on the ${platform} platform: as expected`, () => {
          const want = expected(file, platform);
          const got = podlabVerdict(file, platform);
          if (want.accepted) expect(got, `${file} on ${platform}`).toBeUndefined();
          else {
            expect(got, `${file} on ${platform}: expected a refusal`).toBeDefined();
            expect(got!.startsWith(`${file}`), got).toBe(true);
            expect(got).toContain(want.text);
          }
        });
      }
      it("on the kubernetes platform: the local cluster's API server agrees", async () => {
        const want = expected(file, "kubernetes");
        const [checked] = validateFiles([{ name: file, text: readFileSync(join(CORPUS, file), "utf8") }]);
        const answers = [];
        for (const doc of checked.documents) if (doc.object) answers.push(await dryRunCreate(a, doc.object));
        const refused = answers.filter((x) => x !== undefined);
        if (want.accepted || want.podlabOnly) expect(refused, `${file}: the API server refused it`).toEqual([]);
        else expect(refused.length, `${file}: the API server accepted what podlab refuses`).toBeGreaterThan(0);
      });
    });
  }
});
