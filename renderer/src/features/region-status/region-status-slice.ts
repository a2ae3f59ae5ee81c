import { createSlice, type PayloadAction } from '@reduxjs/toolkit';
import type { RegionStatusView } from '../../../../app/contract';

export interface RegionStatusState {
  /** As the core last reported it; null until this desk has received the region's status once. */
  readonly status: RegionStatusView | null;
}

const initialState: RegionStatusState = { status: null };

export const regionStatusSlice = createSlice({
  name: 'regionStatus',
  initialState,
  reducers: {
    regionStatusReceived: (_s, a: PayloadAction<RegionStatusView | null>): RegionStatusState => ({
      status: a.payload,
    }),
  },
});

export const { regionStatusReceived } = regionStatusSlice.actions;
