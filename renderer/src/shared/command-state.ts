import type { OutboxEntryView } from '../../../app/contract';

/** One word (or short sentence) per command state, the same in every panel that shows one. */
export const COMMAND_STATE_LABEL: Readonly<Record<OutboxEntryView['state'], string>> = {
  queued: 'Queued — will send when online',
  sending: 'Sending…',
  processing: 'Processing',
  done: 'Done',
  rejected: 'Rejected',
  failed: 'Failed',
  discarded: 'Discarded',
};
