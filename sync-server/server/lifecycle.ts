/** One step of the server's ordered shutdown. */
export interface ShutdownStep {
  readonly name: string;
  run(code: 1001 | 1012): void | Promise<void>;
}

/**
 * Runs the shutdown steps one after another, in the order given (the order is the design:
 * each step relies on what the earlier ones stopped). A step that throws ends the shutdown
 * with that error, as before the steps were listed.
 */
export async function runShutdown(
  steps: readonly ShutdownStep[],
  code: 1001 | 1012,
  trace: (step: string) => void = () => undefined,
): Promise<void> {
  for (const step of steps) {
    trace(step.name);
    await step.run(code);
  }
}
