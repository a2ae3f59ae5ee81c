/** Synthetic replica records shaped like the server's snapshots (accounts and deliveries). */
import { FIRST_NAMES as FIRST, LAST_NAMES as LAST, STREETS } from '../../sync-server/seed';

export interface BenchRecord {
  kind: string;
  id: string;
  version: number;
  seq: number;
  body: unknown;
}

export function account(i: number): BenchRecord {
  const id = `cus-${String(i).padStart(7, '0')}`;
  const first = FIRST[i % FIRST.length] ?? 'Anna';
  const last = LAST[(i * 7) % LAST.length] ?? 'Müller';
  return {
    kind: 'account',
    id,
    version: 1,
    seq: i,
    body: {
      id,
      name: `${first} ${last} ${i.toString(36)}`,
      phone: `+4930${String(1_000_000 + ((i * 7_654_321) % 8_999_999)).padStart(7, '0')}`,
      email: `${first.toLowerCase()}.${i}@example.com`,
      address: {
        line1: `${STREETS[i % STREETS.length] ?? ''} ${(i % 180) + 1}`,
        city: 'Berlin',
        postcode: String(10115 + (i % 4000)),
        country: 'DE',
        position: { lat: 52.5, lng: 13.4 },
      },
      paymentMethods: [
        {
          token: `pm_sandbox_visa_ok_${i.toString(36)}x`,
          brand: 'visa',
          last4: String(i % 10000).padStart(4, '0'),
          expiry: { month: 1 + (i % 12), year: 2029 },
        },
      ],
      version: 1,
    },
  };
}

export function delivery(i: number, customers: number): BenchRecord {
  const id = `del-${String(i).padStart(8, '0')}`;
  const customerId = `cus-${String(i % customers).padStart(7, '0')}`;
  return {
    kind: 'delivery',
    id,
    version: 1,
    seq: customers + i,
    body: {
      id,
      customerId,
      parcel: {
        weightGrams: 500 + (i % 2000),
        size: 'M',
        tag: `PKG-${(i * 7919 + 100000).toString(36).toUpperCase()}`,
      },
      pickup: { lat: 52.47, lng: 13.4 },
      dropoff: { lat: 52.52, lng: 13.41 },
      window: { start: 1_800_000_000_000, end: 1_800_007_200_000 },
      stage: 'created',
      droneId: null,
      eta: null,
      version: 1,
      updatedAt: 1_800_000_000_000,
    },
  };
}
