/**
 * Child process for the kill -9 test: enqueues commands into a real replica as
 * fast as it can and reports each key on stdout only after its transaction
 * committed — i.e. at the moment the UI would have said "queued".
 */
import { writeSync } from 'node:fs';
import { asId, instant } from '../../../domain/shared';
import { openWritableReplica } from '../../replica';
import { OutboxStore } from '../outbox-store';

const [dbPath, prefix = 'k'] = process.argv.slice(2);
if (!dbPath) throw new Error('usage: outbox-writer.child.ts <db> [prefix]');
const store = new OutboxStore(openWritableReplica(dbPath, 'plaintext'));
let i = 0;

function next(): void {
  const key = `${prefix}-${i}`;
  i += 1;
  store.enqueue(
    {
      name: 'shipping.cancelDelivery',
      schemaVersion: 1,
      idempotencyKey: asId('IdempotencyKey', key),
      issuedBy: {
        userId: asId('User', 'agent-1'),
        role: 'agent',
        desktopId: asId('Desktop', 'desk-1'),
      },
      issuedAt: instant(Date.now()),
      payload: {
        deliveryId: asId('Delivery', `del-${i}`),
        expectedVersion: 1,
        reason: 'customer-request',
      },
    },
    { kind: 'delivery', id: `del-${i}`, patch: { stage: 'cancelled' } },
    Date.now(),
  );
  // Synchronous write: the parent must never see a key before it is committed.
  writeSync(1, `queued ${key}\n`);
  setImmediate(next);
}
writeSync(1, 'ready\n');
next();
