import { createEntityAdapter, createSlice, type PayloadAction } from '@reduxjs/toolkit';
import type { OutboxEntryView, OutboxListView } from '../../../app/contract';

const adapter = createEntityAdapter<OutboxEntryView, string>({
  selectId: (e) => e.idempotencyKey,
  sortComparer: (a, b) => a.createdAt - b.createdAt,
});

export const outboxSlice = createSlice({
  name: 'outbox',
  initialState: adapter.getInitialState(),
  reducers: {
    outboxListed: (s, a: PayloadAction<readonly OutboxEntryView[]>) => adapter.setAll(s, a.payload),
    outboxEntryChanged: (s, a: PayloadAction<OutboxEntryView>) => adapter.upsertOne(s, a.payload),
  },
});

export const { outboxListed, outboxEntryChanged } = outboxSlice.actions;
export const outboxSelectors = adapter.getSelectors();

/** Every entry `outbox.list` answered with, in one list for the store. */
export const allEntries = (v: OutboxListView): OutboxEntryView[] => [
  ...v.pending,
  ...v.needsAttention,
  ...v.recent,
];
