import { describe, expect, it } from 'vitest';
import {
  readRegionStatus,
  regionStatusDocName,
  REGION_STATUS_KEYS as K,
  REGION_STATUS_SCHEMA_VERSION,
} from './region-status';

const written = {
  [K.schemaVersion]: REGION_STATUS_SCHEMA_VERSION,
  [K.region]: 'berlin',
  [K.payments]: { level: 'down', since: 1_795_341_600_000 },
  [K.fleet]: {
    dronesByStatus: { idle: 3, 'in-flight': 5, charging: 1 },
    deliveriesInFlight: 4,
  },
  [K.updatedAt]: 1_795_341_605_000,
};

describe('region status document', () => {
  it('is named status/<region>', () => {
    expect(regionStatusDocName('berlin')).toBe('status/berlin');
  });

  it('reads what the server writes', () => {
    expect(readRegionStatus(written)).toEqual({
      region: 'berlin',
      payments: { level: 'down', since: 1_795_341_600_000 },
      fleet: { dronesByStatus: { idle: 3, 'in-flight': 5, charging: 1 }, deliveriesInFlight: 4 },
      updatedAt: 1_795_341_605_000,
    });
  });

  it('is null when never written or written in a schema version this side does not know', () => {
    expect(readRegionStatus({})).toBeNull();
    expect(readRegionStatus({ ...written, [K.schemaVersion]: 2 })).toBeNull();
    expect(readRegionStatus({ ...written, [K.region]: 7 })).toBeNull();
  });

  it('keeps the good parts when one is malformed', () => {
    const status = readRegionStatus({
      ...written,
      [K.payments]: { level: 'on-fire', since: 1 },
      [K.updatedAt]: 'yesterday',
    });
    expect(status).toMatchObject({
      payments: null,
      updatedAt: null,
      fleet: { deliveriesInFlight: 4 },
    });
    expect(readRegionStatus({ ...written, [K.payments]: { level: 'ok' } })?.payments).toBeNull();
    expect(readRegionStatus({ ...written, [K.payments]: ['ok'] })?.payments).toBeNull();
    expect(
      readRegionStatus({ ...written, [K.fleet]: { deliveriesInFlight: -1 } })?.fleet,
    ).toBeNull();
    expect(
      readRegionStatus({ ...written, [K.fleet]: { deliveriesInFlight: 1, dronesByStatus: null } })
        ?.fleet,
    ).toBeNull();
  });

  it('leaves out drone statuses it does not know and counts that are not counts', () => {
    const status = readRegionStatus({
      ...written,
      [K.fleet]: {
        dronesByStatus: { idle: 2, teleporting: 9, charging: 1.5, maintenance: -1 },
        deliveriesInFlight: 0,
      },
    });
    expect(status?.fleet).toEqual({ dronesByStatus: { idle: 2 }, deliveriesInFlight: 0 });
  });
});
