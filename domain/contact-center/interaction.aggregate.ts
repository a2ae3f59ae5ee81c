import {
  AggregateRoot,
  findCardData,
  err,
  ok,
  type CommandId,
  type CustomerId,
  type DeliveryId,
  type DesktopId,
  type DomainEvent,
  type Instant,
  type InteractionId,
  type Result,
  type UserId,
} from '../shared';

export const INTERACTION_REASONS = [
  'change-payment',
  'cancel-delivery',
  'reschedule-delivery',
  'where-is-my-delivery',
  'complaint',
  'other',
] as const;
export type InteractionReason = (typeof INTERACTION_REASONS)[number];

export interface Note {
  readonly author: UserId;
  readonly text: string;
  readonly at: Instant;
}

/** One line of the audit trail: who did what, when, from which desktop. */
export interface AuditEntry {
  readonly actor: UserId;
  readonly desktopId: DesktopId;
  readonly action: string;
  readonly commandId: CommandId | null;
  readonly deliveryId: DeliveryId | null;
  readonly at: Instant;
}

export interface InteractionSnapshot {
  readonly id: InteractionId;
  readonly customerId: CustomerId;
  readonly agentId: UserId;
  readonly desktopId: DesktopId;
  readonly reason: InteractionReason;
  readonly openedAt: Instant;
  readonly closedAt: Instant | null;
  readonly notes: readonly Note[];
  readonly audit: readonly AuditEntry[];
  readonly version: number;
}

export type InteractionEvent =
  | DomainEvent<'InteractionOpened', { customerId: CustomerId; reason: InteractionReason }>
  | DomainEvent<'InteractionNoteAdded', { note: Note }>
  | DomainEvent<'InteractionActionRecorded', { entry: AuditEntry }>
  | DomainEvent<'InteractionClosed', Record<string, never>>;

export const MAX_NOTE_LENGTH = 2000;

export class Interaction extends AggregateRoot<InteractionEvent> {
  private constructor(private state: InteractionSnapshot) {
    super();
  }

  static open(input: {
    id: InteractionId;
    customerId: CustomerId;
    agentId: UserId;
    desktopId: DesktopId;
    reason: InteractionReason;
    at: Instant;
  }): Interaction {
    const interaction = new Interaction({
      id: input.id,
      customerId: input.customerId,
      agentId: input.agentId,
      desktopId: input.desktopId,
      reason: input.reason,
      openedAt: input.at,
      closedAt: null,
      notes: [],
      audit: [],
      version: 1,
    });
    interaction.emit('InteractionOpened', input.at, {
      customerId: input.customerId,
      reason: input.reason,
    });
    return interaction;
  }

  static fromSnapshot(snapshot: InteractionSnapshot): Interaction {
    return new Interaction(snapshot);
  }

  toSnapshot(): InteractionSnapshot {
    return this.state;
  }

  protected get identity(): { id: string; version: number } {
    return this.state;
  }

  /** Invariants: open interaction; 1..MAX_NOTE_LENGTH characters; never a card number. */
  addNote(author: UserId, text: string, at: Instant): Result<Note> {
    const open = this.expectOpen();
    if (!open.ok) return open;
    const checked = validateNoteText(text);
    if (!checked.ok) return checked;
    const note: Note = { author, text: checked.value, at };
    this.bump({ notes: [...this.state.notes, note] });
    this.emit('InteractionNoteAdded', at, { note });
    return ok(note);
  }

  /** Invariant: the audit trail is append-only and only grows while the interaction is open. */
  recordAction(entry: AuditEntry): Result<void> {
    const open = this.expectOpen();
    if (!open.ok) return open;
    this.bump({ audit: [...this.state.audit, entry] });
    this.emit('InteractionActionRecorded', entry.at, { entry });
    return ok(undefined);
  }

  close(at: Instant): Result<void> {
    const open = this.expectOpen();
    if (!open.ok) return open;
    this.bump({ closedAt: at });
    this.emit('InteractionClosed', at, {});
    return ok(undefined);
  }

  private expectOpen(): Result<void> {
    return this.state.closedAt === null
      ? ok(undefined)
      : err('INTERACTION.CLOSED', 'This conversation has been closed; open a new one to continue.');
  }

  private bump(patch: Partial<InteractionSnapshot>): void {
    this.state = { ...this.state, ...patch, version: this.state.version + 1 };
  }
}

/**
 * Shared by interaction notes and the collaborative delivery notes: trimmed,
 * bounded, and refused if it contains anything that could be a card number.
 */
export function validateNoteText(text: string): Result<string> {
  const trimmed = text.trim();
  if (trimmed.length === 0) return err('NOTE.EMPTY', 'A note cannot be empty.');
  if (trimmed.length > MAX_NOTE_LENGTH) {
    return err('NOTE.TOO_LONG', `A note can be at most ${MAX_NOTE_LENGTH} characters.`);
  }
  // The same check the sync server applies to every Yjs update (findCardData), so a note the
  // desk accepts is never refused by the server (which would close the socket over it).
  const found = findCardData(trimmed);
  if (found === 'card-number') {
    return err(
      'NOTE.CONTAINS_CARD_NUMBER',
      'Notes must never contain a card number; please remove it.',
    );
  }
  if (found === 'security-code') {
    return err(
      'NOTE.CONTAINS_SECURITY_CODE',
      'Notes must never contain a card security code (CVV); please remove it.',
    );
  }
  return ok(trimmed);
}
