import type { Command, CommandName, CommandOutcome } from '../../domain/protocol';
import type { Instant } from '../../domain/shared';
import type { RecordKind, RecordTx } from '../records';

export interface HandlerContext {
  readonly tx: RecordTx;
  readonly now: Instant;
}

export interface HandlerResult {
  readonly outcome: CommandOutcome;
  readonly target: { readonly kind: RecordKind; readonly id: string } | null;
  /** Runs after the transaction committed (e.g. start the payment processor). */
  readonly afterCommit?: () => void;
  /**
   * The audit line's detail when the command alone cannot tell it (a reassignment names the
   * drone it released, which only the handler knows); otherwise the writer derives one.
   */
  readonly auditDetail?: string;
}

/**
 * A command handler validates the command against authoritative state with the
 * domain code and writes its effects through `tx`. It returns a business
 * rejection as an outcome (never throws for one) and must write nothing then;
 * a thrown error rolls the whole command back and is reported as a server error.
 */
export type CommandHandler<N extends CommandName> = (
  command: Command<N>,
  ctx: HandlerContext,
) => Promise<HandlerResult>;

/** One handler per command name; a missing one is a compile error. */
export type CommandHandlers = { readonly [N in CommandName]: CommandHandler<N> };

export const rejected = (
  code: string,
  reason: string,
  target: HandlerResult['target'] = null,
): HandlerResult => ({
  outcome: { status: 'rejected', code, reason },
  target,
});

export const notFound = (kind: RecordKind, id: string): HandlerResult =>
  rejected(`${kind.toUpperCase()}.NOT_FOUND`, `That ${kind} could not be found.`, { kind, id });
