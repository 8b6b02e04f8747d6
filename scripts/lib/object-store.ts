// A real S3-compatible object store for a shared Pulumi state backend: versitygw (built from the Go
// module proxy by `npm run bootstrap`), serving a scratch folder on a loopback port. Pulumi's own
// s3:// backend is pointed at it with the endpoint, path-style addressing and credentials, as Pulumi
// documents for S3-compatible servers (https://www.pulumi.com/docs/iac/concepts/state-and-backends/).
import execa from "execa";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface ObjectStore {
  /** The Pulumi backend URL: s3://BUCKET?endpoint=…&s3ForcePathStyle=true&region=… */
  url: string;
  /** What a Pulumi process needs to use it: the backend URL and the store's credentials. */
  env: Record<string, string>;
  /** The folder the store keeps its objects in (one folder per bucket). */
  dir: string;
  stop(): Promise<void>;
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    }).on("error", reject);
  });

const answers = (port: number) =>
  new Promise<boolean>((resolve) => {
    const c = connect(port, "127.0.0.1", () => { c.end(); resolve(true); }).on("error", () => resolve(false));
  });

/**
 * Starts versitygw on 127.0.0.1 with a new bucket `bucket` in a scratch folder and fresh credentials.
 * Throws, naming the fix, when versitygw is not installed or does not answer within 15 s.
 */
export async function startObjectStore(bucket = "podlab-state"): Promise<ObjectStore> {
  await execa("versitygw", ["--version"]).catch((err) => {
    throw new Error(`the shared state tests need versitygw on PATH (run 'npm run bootstrap', which builds it): ${err.shortMessage ?? err.message}`);
  });
  const dir = mkdtempSync(join(tmpdir(), "podlab-s3-"));
  // versitygw's posix backend keeps each bucket as a folder of its root.
  mkdirSync(join(dir, bucket));
  const port = await freePort();
  const access = `podlab${randomBytes(4).toString("hex")}`;
  const secret = randomBytes(16).toString("hex");
  // Credentials through the environment (versitygw's ROOT_* variables), not argv, where `ps` shows them.
  const server = execa("versitygw", ["--port", `127.0.0.1:${port}`, "posix", dir], {
    all: true, env: { ROOT_ACCESS_KEY_ID: access, ROOT_SECRET_ACCESS_KEY: secret },
  });
  server.catch(() => undefined); // stopped by stop(), or failed: reported below
  for (let i = 0; !(await answers(port)); i++) {
    if (i > 150 || server.exitCode !== null) {
      server.kill();
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`versitygw did not answer on 127.0.0.1:${port}: ${(await server.catch((e) => e)).all ?? ""}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const url = `s3://${bucket}?endpoint=http://127.0.0.1:${port}&s3ForcePathStyle=true&region=us-east-1`;
  return {
    url,
    dir,
    env: { PULUMI_BACKEND_URL: url, AWS_ACCESS_KEY_ID: access, AWS_SECRET_ACCESS_KEY: secret, AWS_REGION: "us-east-1" },
    async stop() {
      server.kill("SIGTERM");
      await server.catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
