/**
 * Runs `work` now, on the calling stack, and hands its outcome back as a settled promise: a
 * throw becomes a rejection. For stores that do their work synchronously behind the async
 * `DocStore` port (SQLite, memory): no latency beyond the promise hop, and errors still reach
 * the caller the way an async store reports them.
 */
export function settled<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
}
