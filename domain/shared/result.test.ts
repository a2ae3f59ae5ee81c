import { describe, expect, it } from 'vitest';
import { err, expectOk, ok, type Result } from './result';

describe('Result helpers', () => {
  it('ok wraps a value', () => {
    expect(ok(42)).toEqual({ ok: true, value: 42 });
    expect(ok(undefined)).toEqual({ ok: true, value: undefined });
  });

  it('err carries a stable code and a readable message', () => {
    expect(err('X.FAILED', 'It failed.')).toEqual({
      ok: false,
      error: { code: 'X.FAILED', message: 'It failed.' },
    });
  });

  it('expectOk unwraps a success', () => {
    const result: Result<string> = ok('fine');
    expect(expectOk(result)).toBe('fine');
  });

  it('expectOk throws with code and message on a failure', () => {
    const result: Result<string> = err('X.BROKEN', 'Something broke.');
    expect(() => expectOk(result)).toThrow('Unexpected domain failure X.BROKEN: Something broke.');
  });
});
