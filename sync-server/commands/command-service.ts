import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import {
  canonicalCommandBody,
  mayIssue,
  parseCommand,
  type Command,
  type CommandName,
  type CommandOutcome,
} from '../../domain/protocol';
import type { Clock } from '../../domain/shared';
import { auditCommand } from '../audit';
import type { Principal } from '../auth';
import type { RecordStorePort, RecordTx } from '../records';
import type { CommandHandler, CommandHandlers, HandlerResult } from './command-handler';
import { commandFootprint } from './command-footprint';
import { statusOf, type CommandRecordBody } from './command-record';

/** The HTTP-level answer: a status code and a JSON body. */
export type CommandReply =
  | { readonly http: 200 | 202; readonly body: CommandOutcome & { readonly repeat: boolean } }
  | {
      readonly http: 400 | 403 | 409;
      readonly body: { readonly code: string; readonly message: string };
    };

/** A command that passed the stateless checks, or the reply refusing it. */
export type PreparedCommand =
  | { readonly ok: true; readonly command: Command; readonly bodyHash: string }
  | { readonly ok: false; readonly reply: CommandReply };

/**
 * Receives commands: validates their shape, checks the caller may issue them,
 * applies them at most once per idempotency key, and remembers the first
 * outcome for every repeat. Effects and the idempotency record commit in one
 * transaction.
 */
export class CommandService {
  constructor(
    private readonly store: RecordStorePort,
    private readonly handlers: CommandHandlers,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly onOutcome: (name: string, code: string) => void = () => undefined,
  ) {}

  async handle(raw: unknown, principal: Principal): Promise<CommandReply> {
    const prepared = this.prepare(raw, principal);
    if (!prepared.ok) return prepared.reply;
    let after: (() => void) | undefined;
    const reply = await this.store.transact(async (tx) => {
      await tx.prefetch?.(commandFootprint(prepared.command));
      const applied = await this.applyIn(tx, prepared, principal);
      after = applied.afterCommit;
      return applied.reply;
    });
    this.report(prepared.command, principal, reply);
    after?.();
    return reply;
  }

  /**
   * The checks that need no stored state: shape, issuer, role. Shared by the
   * single and the batch endpoint, so both refuse exactly the same things.
   */
  prepare(raw: unknown, principal: Principal): PreparedCommand {
    const parsed = parseCommand(raw);
    if (!parsed.ok) return { ok: false, reply: { http: 400, body: parsed.error } };
    const command = parsed.value;
    if (command.issuedBy.userId !== principal.userId || command.issuedBy.role !== principal.role) {
      return {
        ok: false,
        reply: {
          http: 403,
          body: {
            code: 'COMMAND.ISSUER_MISMATCH',
            message: 'The command names a different user than the one signed in.',
          },
        },
      };
    }
    if (!mayIssue(principal.role, command.name)) {
      return {
        ok: false,
        reply: {
          http: 403,
          body: {
            code: 'COMMAND.FORBIDDEN',
            message: `Your role (${principal.role}) may not do that.`,
          },
        },
      };
    }
    const bodyHash = createHash('sha256').update(canonicalCommandBody(command)).digest('hex');
    return { ok: true, command, bodyHash };
  }

  /**
   * Applies one prepared command inside the caller's transaction: at most once
   * per key (a repeat gets the first outcome, the same key with another body
   * 409), effects and the idempotency record in `tx`. `afterCommit` must run
   * only once `tx` committed. A thrown error means `tx` must roll back.
   */
  async applyIn(
    tx: RecordTx,
    prepared: PreparedCommand & { ok: true },
    principal: Principal,
  ): Promise<{ reply: CommandReply; afterCommit?: () => void }> {
    const { command, bodyHash } = prepared;
    const previous = await tx.get<CommandRecordBody>('command', command.idempotencyKey);
    if (previous) {
      if (previous.body.bodyHash !== bodyHash || previous.owner !== principal.userId) {
        return {
          reply: {
            http: 409,
            body: {
              code: 'COMMAND.KEY_REUSED',
              message: 'This request id was already used for a different request.',
            },
          },
        };
      }
      return { reply: reply200(previous.body.firstOutcome, true) };
    }
    const now = this.clock.now();
    const result = await this.dispatch(command, { tx, now });
    const record: CommandRecordBody = {
      name: command.name,
      bodyHash,
      issuedBy: principal.userId,
      receivedAt: now,
      firstOutcome: result.outcome,
      current: statusOf(result.outcome),
      target: result.target,
    };
    await tx.put('command', command.idempotencyKey, 1, record, principal.userId);
    await auditCommand(tx, command, result.outcome, result.target, now, result.auditDetail);
    return {
      reply: reply200(result.outcome, false),
      ...(result.afterCommit ? { afterCommit: result.afterCommit } : {}),
    };
  }

  /** Metrics and the audit log line for one answered command (ids and codes only). */
  report(command: Command, principal: Principal, reply: CommandReply): void {
    if (reply.http !== 200 && reply.http !== 202) return;
    const code = reply.body.status === 'rejected' ? reply.body.code : reply.body.status;
    if (!reply.body.repeat) this.onOutcome(command.name, code);
    this.log.info(
      {
        command: command.name,
        key: command.idempotencyKey,
        user: principal.userId,
        outcome: code,
        repeat: reply.body.repeat,
      },
      'command',
    );
  }

  private dispatch(
    command: Command,
    ctx: Parameters<CommandHandler<CommandName>>[1],
  ): Promise<HandlerResult> {
    // The handler map is keyed by the same union as the command, so this lookup is sound.
    const handler = this.handlers[command.name] as CommandHandler<CommandName>;
    return handler(command, ctx);
  }
}

const reply200 = (outcome: CommandOutcome, repeat: boolean): CommandReply => ({
  http: outcome.status === 'processing' ? 202 : 200,
  body: { ...outcome, repeat },
});
