/** Shipping context (core): deliveries, their lifecycle, and drone scheduling. */
export * from './parcel';
export * from './delivery-stage';
export * from './delivery.events';
export * from './delivery.aggregate';
export * from './scheduler.service';
export * from './dispatch-candidates';
