import type { CustomerId, DomainEvent, DroneId, Eta, Location, TimeWindow } from '../shared';
import type { Parcel } from './parcel';

export type CancelReason = 'customer-request' | 'payment-failed' | 'no-drone-available' | 'other';

export type DeliveryEvent =
  | DomainEvent<
      'DeliveryCreated',
      {
        customerId: CustomerId;
        parcel: Parcel;
        pickup: Location;
        dropoff: Location;
        window: TimeWindow;
      }
    >
  | DomainEvent<'DeliveryScheduled', { droneId: DroneId; eta: Eta }>
  | DomainEvent<'DeliveryReassigned', { droneId: DroneId; eta: Eta; releasedDroneId: DroneId }>
  | DomainEvent<'DeliveryRescheduled', { window: TimeWindow; releasedDroneId: DroneId | null }>
  | DomainEvent<'DeliveryCancelled', { reason: CancelReason; releasedDroneId: DroneId | null }>
  | DomainEvent<'DeliveryDispatched', { droneId: DroneId }>
  | DomainEvent<'DeliveryPickedUp', { droneId: DroneId }>
  | DomainEvent<'DeliveryHeadedToDropoff', { eta: Eta }>
  | DomainEvent<'DeliveryCompleted', { droneId: DroneId }>
  | DomainEvent<'DeliveryFailed', { reason: string; droneId: DroneId | null }>
  | DomainEvent<'DeliveryEtaUpdated', { eta: Eta }>;

export type DeliveryEventType = DeliveryEvent['type'];
