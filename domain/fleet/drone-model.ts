/**
 * Performance envelope of a drone type. The scheduler and the staleness rules
 * read everything they need from here rather than from magic numbers.
 */
export interface DroneModel {
  readonly name: string;
  readonly maxPayloadGrams: number;
  readonly cruiseSpeedMps: number;
  /** Battery percentage points used per kilometre flown at cruise (loaded). */
  readonly batteryPctPerKm: number;
  /** Battery percentage that must remain on landing at the end of any route. */
  readonly reservePct: number;
  /** How often the drone sends a telemetry fix in flight, milliseconds. */
  readonly reportIntervalMs: number;
  /** Take-off, hover and landing time per stop, seconds. */
  readonly handlingSeconds: number;
}

/** Models flown by the demo fleet (numbers in the range of current delivery drones). */
export const DRONE_MODELS = {
  'courier-2': {
    name: 'courier-2',
    maxPayloadGrams: 2500,
    cruiseSpeedMps: 16,
    batteryPctPerKm: 3.2,
    reservePct: 20,
    reportIntervalMs: 1000,
    handlingSeconds: 60,
  },
  'hauler-5': {
    name: 'hauler-5',
    maxPayloadGrams: 5000,
    cruiseSpeedMps: 13,
    batteryPctPerKm: 4.5,
    reservePct: 25,
    reportIntervalMs: 2000,
    handlingSeconds: 90,
  },
} as const satisfies Record<string, DroneModel>;
