import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  NOW,
  at,
  commandId,
  customerId,
  deliveryId,
  failure,
  outcome,
} from '../test-support/fixtures';
import { asId, type UserId } from '../shared';
import {
  INTERACTION_REASONS,
  Interaction,
  MAX_NOTE_LENGTH,
  validateNoteText,
  type AuditEntry,
} from './interaction.aggregate';

const AGENT: UserId = asId('User', 'agent-7');
const DESKTOP = asId('Desktop', 'desk-3');

const openInteraction = (): Interaction =>
  Interaction.open({
    id: asId('Interaction', 'int-1'),
    customerId: customerId(),
    agentId: AGENT,
    desktopId: DESKTOP,
    reason: 'change-payment',
    at: NOW,
  });

const entry = (patch: Partial<AuditEntry> = {}): AuditEntry => ({
  actor: AGENT,
  desktopId: DESKTOP,
  action: 'payments.changeMethod',
  commandId: commandId(),
  deliveryId: deliveryId(),
  at: at(1000),
  ...patch,
});

describe('Interaction.open', () => {
  it('opens with no notes and no audit trail at version 1 and records InteractionOpened', () => {
    const i = openInteraction();
    expect(i.toSnapshot()).toEqual({
      id: 'int-1',
      customerId: 'cust-1',
      agentId: 'agent-7',
      desktopId: 'desk-3',
      reason: 'change-payment',
      openedAt: NOW,
      closedAt: null,
      notes: [],
      audit: [],
      version: 1,
    });
    expect(i.pullEvents()).toEqual([
      {
        type: 'InteractionOpened',
        version: 1,
        aggregateId: 'int-1',
        aggregateVersion: 1,
        occurredAt: NOW,
        data: { customerId: 'cust-1', reason: 'change-payment' },
      },
    ]);
  });

  it.each(INTERACTION_REASONS)('accepts the reason %s', (reason) => {
    const i = Interaction.open({
      id: asId('Interaction', 'int-2'),
      customerId: customerId(),
      agentId: AGENT,
      desktopId: DESKTOP,
      reason,
      at: NOW,
    });
    expect(i.toSnapshot().reason).toBe(reason);
  });

  it('round-trips through toSnapshot/fromSnapshot', () => {
    const i = openInteraction();
    i.addNote(AGENT, 'hello', NOW);
    expect(Interaction.fromSnapshot(i.toSnapshot()).toSnapshot()).toEqual(i.toSnapshot());
  });
});

describe('Interaction.addNote', () => {
  it('adds a trimmed note (version +1, InteractionNoteAdded)', () => {
    const i = openInteraction();
    i.pullEvents();
    const note = { author: AGENT, text: 'Customer wants the Mastercard.', at: at(5000) };
    expect(i.addNote(AGENT, '  Customer wants the Mastercard.\n', at(5000))).toEqual({
      ok: true,
      value: note,
    });
    expect(i.toSnapshot()).toMatchObject({ notes: [note], version: 2 });
    expect(i.pullEvents().map((e) => [e.type, e.aggregateVersion, e.data])).toEqual([
      ['InteractionNoteAdded', 2, { note }],
    ]);
  });

  it('keeps notes in order', () => {
    const i = openInteraction();
    i.addNote(AGENT, 'first', at(1));
    i.addNote(AGENT, 'second', at(2));
    expect(i.toSnapshot().notes.map((n) => n.text)).toEqual(['first', 'second']);
  });

  it.each([
    ['an empty note', '', 'NOTE.EMPTY'],
    ['a blank note', ' \n\t ', 'NOTE.EMPTY'],
    ['a note that is too long', 'x'.repeat(MAX_NOTE_LENGTH + 1), 'NOTE.TOO_LONG'],
    ['a card number', 'Card is 4111 1111 1111 1111, exp 09/27', 'NOTE.CONTAINS_CARD_NUMBER'],
    ['a card security code', 'Customer says the CVV is 123', 'NOTE.CONTAINS_SECURITY_CODE'],
  ])('refuses %s and changes nothing', (_label, text, code) => {
    const i = openInteraction();
    i.pullEvents();
    const before = i.toSnapshot();
    expect(outcome(i.addNote(AGENT, text, NOW))).toBe(code);
    expect(i.toSnapshot()).toBe(before);
    expect(i.pullEvents()).toEqual([]);
  });
});

describe('validateNoteText', () => {
  it.each([
    ['x', 'x'],
    ['  padded  ', 'padded'],
    ['x'.repeat(MAX_NOTE_LENGTH), 'x'.repeat(MAX_NOTE_LENGTH)],
    [`  ${'y'.repeat(MAX_NOTE_LENGTH)}  `, 'y'.repeat(MAX_NOTE_LENGTH)], // the limit applies after trimming
    ['Call back on +49 30 1234567 after 18:00', 'Call back on +49 30 1234567 after 18:00'],
    ['Order 12345, card ending 4242', 'Order 12345, card ending 4242'],
  ])('accepts %j as %j', (text, expected) => {
    expect(validateNoteText(text)).toEqual({ ok: true, value: expected });
  });

  it.each([
    ['', 'NOTE.EMPTY', 'A note cannot be empty.'],
    [
      'z'.repeat(MAX_NOTE_LENGTH + 1),
      'NOTE.TOO_LONG',
      `A note can be at most ${MAX_NOTE_LENGTH} characters.`,
    ],
    [
      '5555-5555-5555-4444',
      'NOTE.CONTAINS_CARD_NUMBER',
      'Notes must never contain a card number; please remove it.',
    ],
  ])('refuses %#: %s', (text, code, message) => {
    expect(failure(validateNoteText(text))).toEqual({ code, message });
  });

  it('accepted notes are trimmed, bounded and free of card numbers (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 2100 }), (text) => {
        const result = validateNoteText(text);
        if (!result.ok) return;
        expect(result.value).toBe(text.trim());
        expect(result.value.length).toBeGreaterThan(0);
        expect(result.value.length).toBeLessThanOrEqual(MAX_NOTE_LENGTH);
      }),
    );
  });
});

describe('Interaction.recordAction', () => {
  it('appends to the audit trail (version +1, InteractionActionRecorded at the entry time)', () => {
    const i = openInteraction();
    i.pullEvents();
    const first = entry();
    const second = entry({ action: 'shipping.cancelDelivery', commandId: null, at: at(2000) });
    expect(outcome(i.recordAction(first))).toBe('ok');
    expect(outcome(i.recordAction(second))).toBe('ok');
    expect(i.toSnapshot()).toMatchObject({ audit: [first, second], version: 3 });
    expect(i.pullEvents().map((e) => [e.type, e.aggregateVersion, e.occurredAt, e.data])).toEqual([
      ['InteractionActionRecorded', 2, at(1000), { entry: first }],
      ['InteractionActionRecorded', 3, at(2000), { entry: second }],
    ]);
  });
});

describe('Interaction.close', () => {
  it('closes (version +1, InteractionClosed) and then refuses everything with INTERACTION.CLOSED', () => {
    const i = openInteraction();
    i.addNote(AGENT, 'done', at(1));
    i.pullEvents();
    expect(outcome(i.close(at(9000)))).toBe('ok');
    expect(i.toSnapshot()).toMatchObject({ closedAt: at(9000), version: 3 });
    expect(i.pullEvents().map((e) => [e.type, e.aggregateVersion, e.data])).toEqual([
      ['InteractionClosed', 3, {}],
    ]);

    const closed = i.toSnapshot();
    const attempts = [
      i.addNote(AGENT, 'one more thing', at(10_000)),
      i.recordAction(entry({ at: at(10_000) })),
      i.close(at(10_000)),
    ];
    expect(attempts.map(outcome)).toEqual([
      'INTERACTION.CLOSED',
      'INTERACTION.CLOSED',
      'INTERACTION.CLOSED',
    ]);
    expect(failure(i.close(at(11_000))).message).toBe(
      'This conversation has been closed; open a new one to continue.',
    );
    expect(i.toSnapshot()).toBe(closed);
    expect(i.pullEvents()).toEqual([]);
  });

  it('a closed interaction refuses even an invalid note as closed (the state is checked first)', () => {
    const i = openInteraction();
    i.close(NOW);
    expect(outcome(i.addNote(AGENT, '', NOW))).toBe('INTERACTION.CLOSED');
  });
});
