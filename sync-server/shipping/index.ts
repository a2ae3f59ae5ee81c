/** Shipping backend: delivery commands (cancel, reschedule, assign drone). */
export * from './delivery-commands.handler';
