import { z } from 'zod';
import { err, ok, parseId, type Result } from '../../domain/shared';
import { readDeliveryState, setFlag, type BoardDoc } from './board-model';
import type { DeliveryFlags, DeliveryState } from '../../domain/protocol';
import { boardTypes } from './board-schema';
import { LOCAL_ORIGIN } from './transaction-origins';

/**
 * Who set a flag and when, kept next to the flag in the same `flags/<deliveryId>` map under
 * `mark:<flag>` (plain JSON; readFlags ignores keys it does not know, so older desks are not
 * confused). Written in the same transaction as the flag: both arrive together on every desk.
 */
export interface Mark {
  readonly userId: string;
  readonly at: number;
}

export interface BoardView extends DeliveryState {
  readonly flagMarks: { readonly priority: Mark | null; readonly vip: Mark | null };
}

const markSchema: z.ZodType<Mark> = z.object({
  userId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,79}$/),
  at: z.number().int().nonnegative(),
});

/** Sets one flag and records who set it and when, in one transaction. */
export function setFlagMarked<K extends keyof DeliveryFlags>(
  doc: BoardDoc,
  deliveryId: string,
  flag: K,
  value: DeliveryFlags[K],
  by: string,
  at: number,
): Result<BoardView> {
  const user = parseId('User', by);
  if (!user.ok) return user;
  if (!Number.isSafeInteger(at) || at < 0)
    return err('COLLAB.INVALID_TIME', 'That time is not valid.');
  // setFlag opens its own transaction; nested in ours, Yjs makes both one update.
  const result = doc.ydoc.transact((): Result<DeliveryFlags> => {
    const set = setFlag(doc, deliveryId, flag, value);
    if (set.ok) boardTypes(doc.ydoc, deliveryId).flags.set(`mark:${flag}`, { userId: by, at });
    return set;
  }, LOCAL_ORIGIN);
  return result.ok ? ok(readBoardView(doc, deliveryId)) : result;
}

/** The delivery's shared state plus who set each flag. */
export function readBoardView(doc: BoardDoc, deliveryId: string): BoardView {
  const { flags } = boardTypes(doc.ydoc, deliveryId);
  const mark = (flag: keyof DeliveryFlags): Mark | null => {
    const parsed = markSchema.safeParse(flags.get(`mark:${flag}`));
    return parsed.success ? parsed.data : null;
  };
  return {
    ...readDeliveryState(doc, deliveryId),
    flagMarks: { priority: mark('priority'), vip: mark('vip') },
  };
}
