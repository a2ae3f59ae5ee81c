import {
  validateCall,
  type ApiResult,
  type OperatorEventName,
  type OperatorEvents,
} from '../../contract';
import type { CoreCall, OperatorCore, OperatorEventListener } from '../../host';

/**
 * Test double for the desktop core (app/core is not used here: these tests are
 * about the transport). It validates names and payloads with the real contract,
 * answers a valid call with the method and parsed input, and lets a test emit
 * events and see whether it was closed.
 */
export interface FakeOperatorCore extends OperatorCore {
  emit<E extends OperatorEventName>(event: E, payload: OperatorEvents[E]): void;
  readonly calls: { method: string; input: unknown }[];
  subscribers(): number;
  closed(): boolean;
}

export function fakeOperatorCore(): FakeOperatorCore {
  const listeners = new Set<OperatorEventListener>();
  const calls: { method: string; input: unknown }[] = [];
  let closed = false;
  return {
    calls,
    // A transport fake answers with the parsed call itself, not a contract output.
    call: ((name: unknown, payload: unknown): Promise<ApiResult<unknown>> => {
      const valid = validateCall(name, payload);
      if (!valid.ok) return Promise.resolve(valid);
      calls.push({ method: valid.value.method, input: valid.value.input });
      return Promise.resolve({ ok: true, value: valid.value });
    }) as unknown as CoreCall,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close() {
      closed = true;
      return Promise.resolve();
    },
    emit(event, payload) {
      for (const listener of listeners) listener(event, payload);
    },
    subscribers: () => listeners.size,
    closed: () => closed,
  };
}
