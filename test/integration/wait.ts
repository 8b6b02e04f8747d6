// Polls until a probe stops throwing: for what the host does a moment after the engine returns.
export async function waitFor<T>(what: string, probe: () => Promise<T>, seconds = 30): Promise<T> {
  let last: unknown;
  for (let i = 0; i < seconds * 2; i++) {
    try {
      return await probe();
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  throw new Error(`${what} did not happen within ${seconds}s: ${last}`);
}

/**
 * Polls `get` every second until `ok` holds of what it returns (a throw counts as not yet), for a
 * state the platform reaches on its own (a status, a restart); fails with the last value seen.
 */
export async function until<T>(what: string, get: () => Promise<T>, ok: (v: T) => boolean, seconds = 90): Promise<T> {
  let last: T | undefined;
  for (const t0 = Date.now(); Date.now() - t0 < seconds * 1000; await new Promise((r) => setTimeout(r, 1000))) {
    last = await get().catch(() => undefined);
    if (last !== undefined && ok(last)) return last;
  }
  throw new Error(`${what}: not within ${seconds}s; last seen ${JSON.stringify(last)}`);
}
