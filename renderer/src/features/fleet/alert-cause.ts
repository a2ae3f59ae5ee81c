/**
 * An alert's cause, as an acknowledgement records it: what happened and since when. An
 * acknowledgement covers an alert only while the cause is the same (a new outage, a new loss of
 * telemetry nags again), so every desk must spell the same cause the same way.
 *
 * The time is ISO 8601, never raw epoch milliseconds: a 13-digit run inside a string reads as a
 * card number to the card-data guard one time in ten (Luhn), and the sync server refuses such an
 * update. With raw digits one acknowledgement in ten silently never left the desk.
 */
export function alertCause(what: string, since: number): string {
  return `${what}@${new Date(since).toISOString()}`;
}
