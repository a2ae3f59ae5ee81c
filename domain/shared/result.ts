/**
 * Expected business failures are values, not exceptions: every fallible domain
 * operation returns a Result whose error carries a stable code (for programs)
 * and a sentence an agent could read to a customer (for people).
 */
export interface DomainError<Code extends string = string> {
  readonly code: Code;
  /** Plain-language reason, safe to read aloud; never contains personal or card data. */
  readonly message: string;
}

export type Result<T, E extends DomainError = DomainError> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: E };

export const ok = <T>(value: T): { readonly ok: true; readonly value: T } => ({ ok: true, value });

export const err = <Code extends string>(
  code: Code,
  message: string,
): { readonly ok: false; readonly error: DomainError<Code> } => ({
  ok: false,
  error: { code, message },
});

/**
 * Unwraps a Result whose failure would be a programming error (a bug, not a
 * business outcome). Use only where the inputs were already validated.
 */
export function expectOk<T>(result: Result<T>): T {
  if (!result.ok) {
    throw new Error(`Unexpected domain failure ${result.error.code}: ${result.error.message}`);
  }
  return result.value;
}
