/**
 * A cheap load (cpu-profile.ts --light, run.ts --load light): bare ws sockets speaking the
 * y-websocket protocol. Writers send pre-encoded sync-update frames (the same updates the
 * fan-out writers make); receivers only count update frames and do not decode them, so the
 * load generator barely competes with the server for the CPU and what is measured is the
 * server's relay, not the stock provider's decoding. Servers that speak the y-websocket
 * protocol only (not Hocuspocus, whose frames carry the document name).
 */
import * as encoding from 'lib0/encoding';
import WebSocket from 'ws';
import * as Y from 'yjs';

const PAYLOAD = 'fanout-bench-payload-0123456789a';

/** `count` writer updates of one document, as y-websocket sync-update frames. */
function writerFrames(count: number): Uint8Array[] {
  const doc = new Y.Doc();
  const frames: Uint8Array[] = [];
  doc.on('update', (update: Uint8Array) => {
    const e = encoding.createEncoder();
    encoding.writeVarUint(e, 0); // sync
    encoding.writeVarUint(e, 2); // update
    encoding.writeVarUint8Array(e, update);
    frames.push(encoding.toUint8Array(e));
  });
  for (let s = 1; s <= count; s += 1) {
    doc.transact(() => {
      const text = doc.getText('text');
      text.insert(text.length, PAYLOAD);
      doc.getArray('log').push([{ s, t: s }]);
    });
  }
  doc.destroy();
  return frames;
}

const opened = (ws: WebSocket): Promise<void> =>
  new Promise((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });

export class LightFleet {
  /** Send times per document, by update index. */
  private readonly sentAt: number[][];
  private readonly frames: Uint8Array[][];
  private readonly sockets: WebSocket[] = [];
  private readonly writers: WebSocket[] = [];
  private sink: (sentAt: number, receivedAt: number) => void = () => undefined;
  private closed = false;
  /** Sockets that closed or failed while the fleet was open (a healthy run has none). */
  disconnects = 0;

  private constructor(docs: number, updatesPerDoc: number) {
    this.frames = Array.from({ length: docs }, () => writerFrames(updatesPerDoc));
    this.sentAt = Array.from({ length: docs }, () => []);
  }

  /** `url(d, c)` is the full socket URL of client `c` of document `d` (client 0 writes). */
  static async connect(options: {
    docs: number;
    clientsPerDoc: number;
    updatesPerDoc: number;
    url: (d: number, c: number) => string;
  }): Promise<LightFleet> {
    const fleet = new LightFleet(options.docs, options.updatesPerDoc);
    const waits: Promise<void>[] = [];
    for (let d = 0; d < options.docs; d += 1) {
      for (let c = 0; c < options.clientsPerDoc; c += 1) {
        const ws = new WebSocket(options.url(d, c));
        fleet.sockets.push(ws);
        if (c === 0) fleet.writers.push(ws);
        else {
          let received = 0;
          const times = fleet.sentAt[d] ?? [];
          ws.on('message', (data: Buffer) => {
            // [0, 2, ...]: a sync update; the n-th one a receiver gets is the writer's n-th.
            if (data[0] !== 0 || data[1] !== 2) return;
            const sent = times[received];
            received += 1;
            if (sent !== undefined) fleet.sink(sent, performance.now());
          });
        }
        waits.push(opened(ws));
        ws.once('close', () => {
          if (!fleet.closed) fleet.disconnects += 1;
        });
      }
    }
    await Promise.all(waits);
    return fleet;
  }

  get docs(): number {
    return this.frames.length;
  }

  setSink(sink: (sentAt: number, receivedAt: number) => void): void {
    this.sink = sink;
  }

  /** The writer of document `d` sends its next update; returns the send time. */
  write(d: number): number {
    const times = this.sentAt[d] ?? [];
    const frame = this.frames[d]?.[times.length];
    if (frame === undefined) throw new Error(`document ${d} ran out of pre-encoded updates`);
    const t = performance.now();
    times.push(t);
    this.writers[d]?.send(frame);
    return t;
  }

  close(): void {
    this.closed = true;
    for (const ws of this.sockets) ws.terminate();
  }
}
