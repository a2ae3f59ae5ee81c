export const DELIVERY_STAGES = [
  'created',
  'scheduled',
  'en-route-to-pickup',
  'picked-up',
  'headed-to-dropoff',
  'completed',
  'cancelled',
  'failed',
] as const;
export type DeliveryStage = (typeof DELIVERY_STAGES)[number];

/**
 * Each stage's name as operators read it, the same on every screen (search results, tables,
 * the delivery's timeline) — one spelling per stage, capitalised.
 */
export const STAGE_NAME: Readonly<Record<DeliveryStage, string>> = {
  created: 'Created',
  scheduled: 'Scheduled',
  'en-route-to-pickup': 'En route to pickup',
  'picked-up': 'Picked up',
  'headed-to-dropoff': 'Headed to drop-off',
  completed: 'Completed',
  cancelled: 'Cancelled',
  failed: 'Failed',
};

/** Forward lifecycle; cancel and fail are handled by their own guards. */
export const NEXT_STAGE: Readonly<Partial<Record<DeliveryStage, DeliveryStage>>> = {
  created: 'scheduled',
  scheduled: 'en-route-to-pickup',
  'en-route-to-pickup': 'picked-up',
  'picked-up': 'headed-to-dropoff',
  'headed-to-dropoff': 'completed',
};

/** The forward lifecycle in order, created → completed: the steps a delivery's timeline draws. */
export const FORWARD_STAGES: readonly DeliveryStage[] = (() => {
  const path: DeliveryStage[] = ['created'];
  for (let next = NEXT_STAGE.created; next; next = NEXT_STAGE[next]) path.push(next);
  return path;
})();

const BEFORE_PICKUP: readonly DeliveryStage[] = ['created', 'scheduled', 'en-route-to-pickup'];
const TERMINAL: readonly DeliveryStage[] = ['completed', 'cancelled', 'failed'];

/** A customer may cancel or reschedule only while the parcel has not been picked up. */
export const isBeforePickup = (stage: DeliveryStage): boolean => BEFORE_PICKUP.includes(stage);
export const isTerminal = (stage: DeliveryStage): boolean => TERMINAL.includes(stage);
