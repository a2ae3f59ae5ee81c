import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MASTERCARD_4444,
  NOW,
  VISA_4242,
  at,
  authId,
  commandId,
  failure,
} from '../test-support/fixtures';
import {
  CHANGE_STEPS,
  FINAL_CHANGE_STEPS,
  advanceChange,
  isFinalStep,
  startChange,
  type ChangeInput,
  type ChangeMethodWorkflow,
  type ChangeStep,
} from './change-method.workflow';

const INPUTS: readonly ChangeInput[] = [
  { type: 'old-voided' },
  { type: 'old-void-refused' },
  { type: 'new-approved', authorizationId: authId('new') },
  { type: 'new-declined', decline: 'insufficient-funds' },
  { type: 'completed' },
  { type: 'old-restored', authorizationId: authId('restored') },
  { type: 'old-restore-declined' },
];

/** The arrows of the diagram in change-method.workflow.ts: step → input type → next step. */
const ARROWS: Record<ChangeStep, Partial<Record<ChangeInput['type'], ChangeStep>>> = {
  requested: { 'old-voided': 'old-voided', 'old-void-refused': 'failed-void-refused' },
  'old-voided': { 'new-approved': 'new-authorized', 'new-declined': 'restoring-old' },
  'new-authorized': { completed: 'completed' },
  'restoring-old': { 'old-restored': 'failed-declined', 'old-restore-declined': 'failed-restore' },
  completed: {},
  'failed-declined': {},
  'failed-void-refused': {},
  'failed-restore': {},
};

const started = (): ChangeMethodWorkflow =>
  startChange({
    commandId: commandId(),
    previousMethod: VISA_4242,
    previousAuthorizationId: authId(1),
    newMethod: MASTERCARD_4444,
    at: NOW,
  });

const inStep = (step: ChangeStep): ChangeMethodWorkflow => ({ ...started(), step });

describe('startChange', () => {
  it('starts at "requested" with nothing authorized or declined yet', () => {
    expect(started()).toEqual({
      commandId: 'cmd-1',
      step: 'requested',
      previousMethod: VISA_4242,
      previousAuthorizationId: 'auth-1',
      newMethod: MASTERCARD_4444,
      newAuthorizationId: null,
      restoredAuthorizationId: null,
      decline: null,
      requestedAt: NOW,
      updatedAt: NOW,
    });
  });
});

describe('advanceChange (every step × every input)', () => {
  const TABLE = CHANGE_STEPS.flatMap((step) =>
    INPUTS.map((input) => [step, input.type, input, ARROWS[step][input.type] ?? null] as const),
  );

  it('covers all 56 combinations', () => {
    expect(TABLE).toHaveLength(CHANGE_STEPS.length * INPUTS.length);
    expect(TABLE).toHaveLength(56);
  });

  it.each(TABLE)('%s + %s → %s', (step, _type, input, next) => {
    const process = inStep(step);
    const result = advanceChange(process, input, at(5000));
    if (next === null) {
      expect(failure(result)).toEqual({
        code: 'PAYMENT.INVALID_CHANGE_TRANSITION',
        message: `The payment change cannot accept "${input.type}" while ${step}.`,
      });
      return;
    }
    expect(result.ok && result.value.step).toBe(next);
    expect(result.ok && result.value.updatedAt).toBe(at(5000));
    expect(result.ok && result.value.requestedAt).toBe(NOW);
    expect(process.step).toBe(step); // the input process is left untouched
  });

  it('records the new authorization, the decline and the restored authorization on the way', () => {
    const voided = advanceChange(started(), { type: 'old-voided' }, at(1));
    if (!voided.ok) throw new Error('void refused');
    const approved = advanceChange(
      voided.value,
      { type: 'new-approved', authorizationId: authId(2) },
      at(2),
    );
    expect(approved.ok && approved.value).toMatchObject({
      step: 'new-authorized',
      newAuthorizationId: 'auth-2',
      decline: null,
    });

    const declined = advanceChange(
      voided.value,
      { type: 'new-declined', decline: 'card-expired' },
      at(2),
    );
    if (!declined.ok) throw new Error('decline refused');
    expect(declined.value).toMatchObject({ step: 'restoring-old', decline: 'card-expired' });
    const restored = advanceChange(
      declined.value,
      { type: 'old-restored', authorizationId: authId(3) },
      at(3),
    );
    expect(restored.ok && restored.value).toMatchObject({
      step: 'failed-declined',
      restoredAuthorizationId: 'auth-3',
      decline: 'card-expired',
      newAuthorizationId: null,
    });
  });
});

describe('final steps', () => {
  it.each(CHANGE_STEPS.map((s) => [s, FINAL_CHANGE_STEPS.includes(s)] as const))(
    '%s is final: %s',
    (step, final) => {
      expect(isFinalStep(step)).toBe(final);
      expect(Object.keys(ARROWS[step]).length === 0).toBe(final);
    },
  );

  it('exactly completed and the three failures are final', () => {
    expect([...FINAL_CHANGE_STEPS].sort()).toEqual([
      'completed',
      'failed-declined',
      'failed-restore',
      'failed-void-refused',
    ]);
  });

  it('a process fed any inputs only follows the arrows and stays put once final (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...INPUTS), { maxLength: 20 }), (inputs) => {
        let process = started();
        for (const input of inputs) {
          const next = ARROWS[process.step][input.type];
          const result = advanceChange(process, input, NOW);
          expect(result.ok).toBe(next !== undefined);
          if (result.ok) {
            expect(result.value.step).toBe(next);
            process = result.value;
          }
        }
      }),
    );
  });
});
