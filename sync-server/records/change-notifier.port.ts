/**
 * Fan-out port: "the feed moved to seq N". In the embedded mode it is in-process;
 * in the scale-out mode a Redis pub/sub adapter implements the same port so a
 * commit on one instance wakes long-polls on every instance. Delivery is
 * best-effort and may coalesce: listeners must re-read from their own cursor.
 */
export interface ChangeNotifierPort {
  publish(seq: number): void;
  subscribe(listener: (seq: number) => void): () => void;
}

export class InProcessChangeNotifier implements ChangeNotifierPort {
  readonly #listeners = new Set<(seq: number) => void>();

  publish(seq: number): void {
    for (const listener of this.#listeners) listener(seq);
  }

  subscribe(listener: (seq: number) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
