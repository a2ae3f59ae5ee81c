/** The server-written `status/<region>` documents: card payments and fleet, for every operator. */
export * from './gateway-health';
export * from './gateway-prober';
export * from './fleet-summary';
export * from './region-status.publisher';
