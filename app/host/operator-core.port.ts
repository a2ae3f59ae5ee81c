import type {
  AnyOperatorResult,
  OperatorCall,
  OperatorEventName,
  OperatorEvents,
} from '../contract';

export type OperatorEventListener = <E extends OperatorEventName>(
  event: E,
  payload: OperatorEvents[E],
) => void;

/**
 * The core's `call`: typed for a caller that names a method (tests, benchmarks, the desk
 * wrapper), and open to an untrusted name and payload for the hosts, which forward frames
 * as they arrive; both are validated against the contract before any handler runs.
 */
export type CoreCall = OperatorCall &
  ((name: unknown, payload: unknown) => Promise<AnyOperatorResult>);

/**
 * Gives an untyped dispatcher the core's typed signature. Sound because the dispatcher
 * validates the method name and runs that method's handler, whose answer is typed per
 * method by `OperatorHandlers`; this is the one place that relies on it.
 */
export const asCoreCall = (
  dispatch: (name: unknown, payload: unknown) => Promise<AnyOperatorResult>,
): CoreCall => dispatch as CoreCall;

/**
 * What a host (Electron utility process, browser host, tests) gets from the
 * desktop core. `call` validates the method name and payload against the
 * operator-API contract and never throws: bad input, unknown names and
 * business refusals all come back as `{ok: false, error}`. Events are pushed
 * to every subscriber in the order they happen.
 */
export interface OperatorCore {
  readonly call: CoreCall;
  subscribe(listener: OperatorEventListener): () => void;
  /** Stops sync loops and closes the replica; pending commands stay in the outbox. */
  close(): Promise<void>;
  /** How this desk protects its data at rest, in words (printed by the host at start). */
  readonly dataProtection?: string;
}
