import {
  err,
  ok,
  type AuthorizationId,
  type CommandId,
  type Instant,
  type PaymentMethodRef,
  type Result,
} from '../shared';
import type { DeclineCode } from './payment-gateway.port';

/**
 * The change-payment-method process as an explicit state machine:
 *
 *   requested ──old voided──▶ old-voided ──new approved──▶ new-authorized ──▶ completed
 *       │                          │
 *       │ void refused             └─new declined──▶ restoring-old ──old re-authorized──▶ failed-declined
 *       ▼                                                  │
 *   failed-void-refused                                    └─old declined too──▶ failed-restore
 *
 * Rejections (already settled, stale version, expired method, …) happen before
 * a process exists, in Payment.requestMethodChange.
 */
export const CHANGE_STEPS = [
  'requested',
  'old-voided',
  'new-authorized',
  'completed',
  'restoring-old',
  'failed-declined',
  'failed-void-refused',
  'failed-restore',
] as const;
export type ChangeStep = (typeof CHANGE_STEPS)[number];

export const FINAL_CHANGE_STEPS: readonly ChangeStep[] = [
  'completed',
  'failed-declined',
  'failed-void-refused',
  'failed-restore',
];

export interface ChangeMethodWorkflow {
  readonly commandId: CommandId;
  readonly step: ChangeStep;
  readonly previousMethod: PaymentMethodRef;
  readonly previousAuthorizationId: AuthorizationId;
  readonly newMethod: PaymentMethodRef;
  readonly newAuthorizationId: AuthorizationId | null;
  readonly restoredAuthorizationId: AuthorizationId | null;
  readonly decline: DeclineCode | null;
  readonly requestedAt: Instant;
  readonly updatedAt: Instant;
}

/** What the gateway told us, fed back into the process one step at a time. */
export type ChangeInput =
  | { readonly type: 'old-voided' }
  | { readonly type: 'old-void-refused' }
  | { readonly type: 'new-approved'; readonly authorizationId: AuthorizationId }
  | { readonly type: 'new-declined'; readonly decline: DeclineCode }
  | { readonly type: 'completed' }
  | { readonly type: 'old-restored'; readonly authorizationId: AuthorizationId }
  | { readonly type: 'old-restore-declined' };

type Transition = (
  p: ChangeMethodWorkflow,
  input: ChangeInput,
) => Partial<ChangeMethodWorkflow> | null;

// Each step lists the inputs it accepts; anything else is an invalid transition.
const TRANSITIONS: Readonly<Record<ChangeStep, Transition>> = {
  requested: (_p, i) =>
    i.type === 'old-voided'
      ? { step: 'old-voided' }
      : i.type === 'old-void-refused'
        ? { step: 'failed-void-refused' }
        : null,
  'old-voided': (_p, i) =>
    i.type === 'new-approved'
      ? { step: 'new-authorized', newAuthorizationId: i.authorizationId }
      : i.type === 'new-declined'
        ? { step: 'restoring-old', decline: i.decline }
        : null,
  'new-authorized': (_p, i) => (i.type === 'completed' ? { step: 'completed' } : null),
  'restoring-old': (_p, i) =>
    i.type === 'old-restored'
      ? { step: 'failed-declined', restoredAuthorizationId: i.authorizationId }
      : i.type === 'old-restore-declined'
        ? { step: 'failed-restore' }
        : null,
  completed: () => null,
  'failed-declined': () => null,
  'failed-void-refused': () => null,
  'failed-restore': () => null,
};

export function startChange(input: {
  commandId: CommandId;
  previousMethod: PaymentMethodRef;
  previousAuthorizationId: AuthorizationId;
  newMethod: PaymentMethodRef;
  at: Instant;
}): ChangeMethodWorkflow {
  return {
    commandId: input.commandId,
    step: 'requested',
    previousMethod: input.previousMethod,
    previousAuthorizationId: input.previousAuthorizationId,
    newMethod: input.newMethod,
    newAuthorizationId: null,
    restoredAuthorizationId: null,
    decline: null,
    requestedAt: input.at,
    updatedAt: input.at,
  };
}

/** Invariant: a process only moves along the arrows above; final steps accept nothing. */
export function advanceChange(
  process: ChangeMethodWorkflow,
  input: ChangeInput,
  at: Instant,
): Result<ChangeMethodWorkflow> {
  const patch = TRANSITIONS[process.step](process, input);
  if (patch === null) {
    return err(
      'PAYMENT.INVALID_CHANGE_TRANSITION',
      `The payment change cannot accept "${input.type}" while ${process.step}.`,
    );
  }
  return ok({ ...process, ...patch, updatedAt: at });
}

export const isFinalStep = (step: ChangeStep): boolean => FINAL_CHANGE_STEPS.includes(step);
