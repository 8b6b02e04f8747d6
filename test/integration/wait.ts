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
