import { useRef } from 'react';

/** Above this many pending commands, a count alone no longer tells the operator how far along it is. */
export const PROGRESS_THRESHOLD = 300;

/**
 * A progress bar while a large backlog goes out (after an outage): how many of
 * the commands pending at the peak since the queue was last empty have been
 * answered. Nothing while the backlog is small.
 */
export function SendProgress({ pending }: { pending: number }) {
  // The peak is view state, not application state: it only scales this bar.
  const peak = useRef(0);
  if (pending === 0) peak.current = 0;
  else peak.current = Math.max(peak.current, pending);
  if (peak.current <= PROGRESS_THRESHOLD) return null;
  const sent = peak.current - pending;
  return (
    <span className="send-progress">
      <progress aria-label="Sending queued commands" max={peak.current} value={sent} />{' '}
      {sent.toLocaleString()} of {peak.current.toLocaleString()} sent
    </span>
  );
}
