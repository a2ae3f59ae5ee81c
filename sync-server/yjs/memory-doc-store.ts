import type { DocStore, DocUpdate } from './doc-store.port';

interface Row {
  readonly seq: number;
  readonly data: Uint8Array;
}

/**
 * In-memory `DocStore` for tests and throwaway servers. Durable only for the life of the
 * process; otherwise it follows the same contract as the SQLite store.
 */
export class MemoryDocStore implements DocStore {
  private readonly docs = new Map<string, Row[]>();
  // Seqs are never reused, even after compaction deletes rows, so the high-water mark lives
  // apart from the rows themselves.
  private readonly lastSeq = new Map<string, number>();
  private closed = false;

  load(docName: string): Uint8Array[] {
    this.assertOpen();
    return (this.docs.get(docName) ?? []).map((row) => row.data.slice());
  }

  append(docName: string, update: Uint8Array): number {
    this.assertOpen();
    const seq = (this.lastSeq.get(docName) ?? 0) + 1;
    const rows = this.docs.get(docName) ?? [];
    rows.push({ seq, data: update.slice() });
    this.docs.set(docName, rows);
    this.lastSeq.set(docName, seq);
    return seq;
  }

  // Nothing in here can fail once the store is open, so appending one by one is atomic.
  appendBatch(entries: readonly DocUpdate[]): number[] {
    this.assertOpen();
    return entries.map((entry) => this.append(entry.docName, entry.update));
  }

  compact(docName: string, merged: Uint8Array, uptoSeq: number): void {
    this.assertOpen();
    const rows = this.docs.get(docName) ?? [];
    const kept = rows.filter((row) => row.seq > uptoSeq);
    this.docs.set(docName, [{ seq: uptoSeq, data: merged.slice() }, ...kept]);
    if ((this.lastSeq.get(docName) ?? 0) < uptoSeq) this.lastSeq.set(docName, uptoSeq);
  }

  count(docName: string): number {
    this.assertOpen();
    return this.docs.get(docName)?.length ?? 0;
  }

  close(): void {
    this.closed = true;
    this.docs.clear();
    this.lastSeq.clear();
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('MemoryDocStore is closed');
  }
}
