/** The operator-API contract: the only thing the renderer may import from app/ (type-only). */
export * from './operator-api';
export * from './supervisor-api';
export type * from './operator-views';
export type {
  ChecklistItem,
  Claim,
  DeliveryFlags,
  DeliveryState,
  Note,
  Priority,
} from '../../domain/protocol';
export * from './fleet-manager-api';
