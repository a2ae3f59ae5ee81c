import { err, ok, type Result } from './result';

/**
 * Optimistic concurrency: a command names the version of the record the agent
 * was looking at; if the record moved on since, the command is refused instead
 * of silently overwriting what someone else did.
 */
export function expectVersion(
  context: 'DELIVERY' | 'PAYMENT' | 'DRONE' | 'ACCOUNT',
  actual: number,
  expected: number | undefined,
): Result<void> {
  if (expected === undefined || expected === actual) return ok(undefined);
  return err(
    `${context}.STALE_VERSION`,
    'This record was changed by someone else a moment ago; please review it and try again.',
  );
}
