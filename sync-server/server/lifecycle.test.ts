import { describe, expect, it } from 'vitest';
import { runShutdown, type ShutdownStep } from './lifecycle';

describe('runShutdown', () => {
  it('runs every step in order, each after the previous one finished, with the close code', async () => {
    const seen: string[] = [];
    const step = (name: string, ms: number): ShutdownStep => ({
      name,
      run: (code) =>
        new Promise((resolve) =>
          setTimeout(() => {
            seen.push(`${name}:${String(code)}`);
            resolve();
          }, ms),
        ),
    });
    const traced: string[] = [];
    await runShutdown([step('a', 20), step('b', 0), step('c', 5)], 1012, (s) => traced.push(s));
    expect(seen).toEqual(['a:1012', 'b:1012', 'c:1012']);
    expect(traced).toEqual(['a', 'b', 'c']);
  });

  it('ends with the error of a failing step and runs nothing after it', async () => {
    const ran: string[] = [];
    const steps: ShutdownStep[] = [
      { name: 'ok', run: () => void ran.push('ok') },
      {
        name: 'boom',
        run: () => {
          throw new Error('boom');
        },
      },
      { name: 'never', run: () => void ran.push('never') },
    ];
    await expect(runShutdown(steps, 1001)).rejects.toThrow('boom');
    expect(ran).toEqual(['ok']);
  });
});
