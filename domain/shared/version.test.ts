import { describe, expect, it } from 'vitest';
import { expectVersion } from './version';

const CONTEXTS = ['DELIVERY', 'PAYMENT', 'DRONE', 'ACCOUNT'] as const;

describe('expectVersion', () => {
  it.each(CONTEXTS)('%s: passes when no version was named or it matches', (context) => {
    expect(expectVersion(context, 3, undefined)).toEqual({ ok: true, value: undefined });
    expect(expectVersion(context, 3, 3)).toEqual({ ok: true, value: undefined });
  });

  it.each(CONTEXTS.flatMap((c) => [[c, 2] as const, [c, 4] as const]))(
    '%s: refuses an agent who saw version %d of version 3',
    (context, seen) => {
      const result = expectVersion(context, 3, seen);
      expect(result).toEqual({
        ok: false,
        error: {
          code: `${context}.STALE_VERSION`,
          message:
            'This record was changed by someone else a moment ago; please review it and try again.',
        },
      });
    },
  );
});
