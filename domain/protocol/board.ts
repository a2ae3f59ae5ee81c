/**
 * The values of a board document (`board/<region>/<day>`), as every desk writes and reads
 * them: one definition for the Yjs layout (app/collab), the operator API (`collab.get`,
 * `deliveries.get`) and the screens. The layout and the schemas that check values read
 * back live in app/collab/board-schema.ts.
 */
export const PRIORITIES = ['normal', 'high', 'urgent'] as const;
export type Priority = (typeof PRIORITIES)[number];

export interface Note {
  readonly id: string;
  readonly author: string;
  readonly text: string;
  /** Epoch ms, as the author's desktop clock saw it. */
  readonly at: number;
}

export interface DeliveryFlags {
  readonly priority: Priority;
  readonly vip: boolean;
}

/** Who handles the case. */
export interface Claim {
  readonly userId: string;
  readonly at: number;
}

export interface ChecklistItem {
  readonly id: string;
  readonly label: string;
  readonly done: boolean;
  readonly createdBy: string;
  readonly createdAt: number;
  readonly doneBy: string | null;
  readonly doneAt: number | null;
}

/** Everything the UI shows about one delivery's shared state. Plain, serializable data. */
export interface DeliveryState {
  readonly deliveryId: string;
  /** Oldest first (by `at`, then id), the same order on every desktop. */
  readonly notes: readonly Note[];
  readonly flags: DeliveryFlags;
  readonly claim: Claim | null;
  /** In creation order (by createdAt, then id). */
  readonly checklist: readonly ChecklistItem[];
}

export const DEFAULT_FLAGS: DeliveryFlags = { priority: 'normal', vip: false };
