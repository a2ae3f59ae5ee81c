import type { ApiResult, OperatorEventName, OperatorEvents } from '../contract';

export type OperatorEventListener = <E extends OperatorEventName>(
  event: E,
  payload: OperatorEvents[E],
) => void;

/**
 * What a host (Electron utility process, browser host, tests) gets from the
 * desktop core. `call` validates the method name and payload against the
 * operator-API contract and never throws: bad input, unknown names and
 * business refusals all come back as `{ok: false, error}`. Events are pushed
 * to every subscriber in the order they happen.
 */
export interface OperatorCore {
  call(name: unknown, payload: unknown): Promise<ApiResult<unknown>>;
  subscribe(listener: OperatorEventListener): () => void;
  /** Stops sync loops and closes the replica; pending commands stay in the outbox. */
  close(): Promise<void>;
  /** How this desk protects its data at rest, in words (printed by the host at start). */
  readonly dataProtection?: string;
}
