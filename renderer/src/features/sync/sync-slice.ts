import { createSlice, type PayloadAction } from '@reduxjs/toolkit';
import type { SyncStatus } from '../../../../app/contract';

export interface SyncState {
  readonly status: SyncStatus | null;
  /** The UI's own link to the desktop core (browser host socket). */
  readonly coreConnected: boolean;
  readonly snapshot: { readonly phase: 'snapshot' | 'live'; readonly received: number } | null;
}

const initialState: SyncState = { status: null, coreConnected: true, snapshot: null };

export const syncSlice = createSlice({
  name: 'sync',
  initialState,
  reducers: {
    syncStatusChanged: (s, a: PayloadAction<SyncStatus>): SyncState => ({
      ...s,
      status: a.payload,
      snapshot: { phase: a.payload.feed.phase, received: a.payload.feed.received },
    }),
    feedProgressed: (
      s,
      a: PayloadAction<{ phase: 'snapshot' | 'live'; received: number }>,
    ): SyncState => ({ ...s, snapshot: a.payload }),
    coreConnectionChanged: (s, a: PayloadAction<boolean>): SyncState => ({
      ...s,
      coreConnected: a.payload,
    }),
  },
});

export const { syncStatusChanged, feedProgressed, coreConnectionChanged } = syncSlice.actions;
