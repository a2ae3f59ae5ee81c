import { mkdirSync } from 'node:fs';
import {
  validateCall,
  type ApiResult,
  type DeskStatusView,
  type OperatorEventName,
  type OperatorEvents,
} from '../contract';
import { asCoreCall, type OperatorCore, type OperatorEventListener } from '../host';
import {
  readRevokedNotice,
  removeProfileData,
  writeRevokedNotice,
  type DeskRevokedNotice,
} from './desk-revocation';
import { lockProfile, type ProfileLock } from './profile-lock';
import { startCore, type CoreConfig, type ReplicaCore } from './start-core';

const fail = (code: string, message: string): ApiResult<never> => ({
  ok: false,
  error: { code, message },
});

/**
 * The desk as the hosts run it: a replica core (start-core.ts) that can be
 * replaced when this computer's data goes away —
 *
 * - the server revoked the desk: once the core has reported what it still
 *   had, it is closed and the profile's data and key are deleted; a small
 *   notice (no personal data) stays, and every later start shows it instead of
 *   opening a replica. Only `desk.status` and `session.get` answer then.
 * - the operator signs out with "remove data from this computer": refused
 *   while commands or note edits have not reached the server; otherwise the
 *   core is closed, the data and key deleted, and a fresh, empty core (new
 *   key) started for the next sign-in.
 *
 * Events of the current core are forwarded; `desk.changed` tells the UI.
 */
export async function startDesk(
  config: CoreConfig,
): Promise<OperatorCore & { readonly dataProtection: string }> {
  mkdirSync(config.profileDir, { recursive: true });
  const listeners = new Set<OperatorEventListener>();
  const emit = <E extends OperatorEventName>(event: E, payload: OperatorEvents[E]): void => {
    for (const l of listeners) l(event, payload);
  };
  let notice = readRevokedNotice(config.profileDir);
  let core: ReplicaCore | null = null;
  let unsubscribe = (): void => undefined;
  // A revoked desk still holds the profile, so no other core opens it meanwhile.
  let heldLock: ProfileLock | null = null;
  let protection = 'no data on this computer (this desk was revoked)';

  const status = (): DeskStatusView => ({
    dataProtection: protection,
    revoked: notice,
    signedOutReason: core?.signedOutReason() ?? null,
  });

  const open = async (): Promise<void> => {
    const started = await startCore({ ...config, onDeskRevoked: wipe });
    core = started;
    protection = started.dataProtection;
    unsubscribe = started.subscribe((event, payload) => {
      emit(event, payload);
    });
  };
  const closeCore = async (): Promise<void> => {
    const current = core;
    core = null;
    unsubscribe();
    await current?.close();
  };
  async function wipe(revoked: DeskRevokedNotice): Promise<void> {
    await closeCore();
    writeRevokedNotice(config.profileDir, revoked);
    removeProfileData(config.profileDir);
    notice = revoked;
    protection = 'no data on this computer (this desk was revoked)';
    heldLock = lockProfile(config.profileDir);
    emit('desk.changed', status());
  }

  if (notice) heldLock = lockProfile(config.profileDir);
  else await open();

  return {
    get dataProtection() {
      return protection;
    },
    call: asCoreCall(async (name, payload) => {
      const valid = validateCall(name, payload);
      if (!valid.ok) return valid;
      const { method, input } = valid.value;
      if (method === 'desk.status') return { ok: true, value: status() };
      if (!core) {
        if (method === 'session.get') return { ok: true, value: null };
        return fail(
          'DESK.REVOKED',
          'This desk was revoked by an administrator and its data removed: nobody can sign in on it again. Ask your administrator to set it up anew.',
        );
      }
      if (method === 'session.logout' && (input as { removeData?: boolean }).removeData === true) {
        const work = core.unsentWork();
        const unsent = work.commands.length + work.unsentDocumentEdits;
        if (unsent > 0)
          return fail(
            'SESSION.UNSENT_WORK',
            `${String(unsent)} change(s) have not reached the server yet. Stay signed in until they are sent, or keep the data for offline use.`,
          );
        await core.call('session.logout', {});
        await closeCore();
        removeProfileData(config.profileDir);
        await open(); // empty, with a new key, ready for the next sign-in
        emit('desk.changed', status());
        return { ok: true, value: null };
      }
      return core.call(method, input);
    }),
    subscribe(listener: OperatorEventListener): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close(): Promise<void> {
      await closeCore();
      heldLock?.release();
      heldLock = null;
    },
  };
}
