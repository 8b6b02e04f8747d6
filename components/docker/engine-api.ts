// The local Docker engine asked through its Engine API, over its unix socket, with Node's own HTTP
// client: the facts the program needs before registering anything come back in one round of parallel
// requests, where spawning the docker CLI for each cost 10 to 150 ms a call (more on a busy host).
// API reference: https://docs.docker.com/reference/api/engine/ (podlab asks only what API 1.41,
// Docker 20.10's, serves; unversioned paths get the engine's own version).
import * as http from "node:http";

/** The default socket of the local engine. */
export const DEFAULT_SOCKET = "/var/run/docker.sock";

/**
 * The local engine's socket: DOCKER_HOST's path when it is unix://, DEFAULT_SOCKET when it is unset;
 * undefined when DOCKER_HOST names another transport (tcp://, ssh://), which is left to the CLI.
 */
export function localSocket(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const host = env.DOCKER_HOST;
  if (!host) return DEFAULT_SOCKET;
  return host.startsWith("unix://") ? host.slice("unix://".length) : undefined;
}

/** A failed Engine API request: the path, the HTTP status (0 when nothing answered) and the engine's message. */
export class EngineApiError extends Error {
  constructor(readonly path: string, readonly status: number, message: string) {
    super(`GET ${path}: ${status ? `${status} ` : ""}${message}`);
    this.name = "EngineApiError";
  }
}

/**
 * GET `path` of the Engine API at `socket`, parsed from JSON. A 404 (no such image or container)
 * resolves undefined; any other failure rejects with an EngineApiError.
 */
export function engineGet<T>(socket: string, path: string, timeoutMs = 30_000): Promise<T | undefined> {
  return new Promise((resolve, reject) => {
    const req = http.get({ socketPath: socket, path, timeout: timeoutMs, headers: { Host: "docker" } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const body = Buffer.concat(chunks).toString("utf8");
        if (res.statusCode === 404) return resolve(undefined);
        if (res.statusCode !== 200) {
          let message = body.trim();
          try { message = JSON.parse(body).message ?? message; } catch { /* not JSON: the body as it is */ }
          return reject(new EngineApiError(path, res.statusCode ?? 0, message));
        }
        try { resolve(JSON.parse(body) as T); } catch (err) { reject(new EngineApiError(path, 200, `not JSON: ${(err as Error).message}`)); }
      });
    });
    req.on("timeout", () => req.destroy(new Error(`no answer in ${timeoutMs} ms`)));
    req.on("error", (err) => reject(new EngineApiError(path, 0, err.message)));
  });
}
