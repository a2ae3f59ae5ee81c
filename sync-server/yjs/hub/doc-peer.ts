/** A connection as a document sees it. `send` never throws; it drops frames for closed sockets. */
export interface DocPeer {
  readonly connectionId: number;
  readonly canWrite: boolean;
  send(frame: Uint8Array): void;
  close(code: number, reason: string): void;
}
