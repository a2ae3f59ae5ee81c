export * from './telemetry-hub';
