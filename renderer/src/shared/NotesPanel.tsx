import { useState, type SyntheticEvent } from 'react';
import { MAX_NOTE_LENGTH } from '../../../domain/contact-center';
import type { Note } from '../../../app/contract';
import { useOperator } from './operator-context';
import { dateTime } from './format';

/** Shared notes on a delivery (every desk sees the same list, in the same order). */
export function NotesPanel({
  deliveryId,
  notes,
  onAdded,
}: {
  deliveryId: string;
  notes: readonly Note[] | null;
  onAdded: () => void;
}) {
  const client = useOperator();
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: SyntheticEvent): Promise<void> {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const r = await client.call('notes.add', { deliveryId, text: text.trim() });
    setBusy(false);
    if (r.ok) {
      setText('');
      onAdded();
    } else setError(r.error.message);
  }

  return (
    <section className="card" aria-labelledby="notes-title">
      <h3 id="notes-title">Notes</h3>
      {notes === null ? (
        <p role="status">Notes are not available on this desk yet.</p>
      ) : notes.length === 0 ? (
        <p>No notes yet.</p>
      ) : (
        <ol className="notes" aria-labelledby="notes-title">
          {notes.map((n) => (
            <li key={n.id}>
              <p>{n.text}</p>
              <p className="muted">
                {n.author} · <time dateTime={new Date(n.at).toISOString()}>{dateTime(n.at)}</time>
              </p>
            </li>
          ))}
        </ol>
      )}
      <form aria-label="Add note" onSubmit={(e) => void submit(e)}>
        <label htmlFor="new-note">New note</label>
        <textarea
          id="new-note"
          rows={2}
          value={text}
          maxLength={MAX_NOTE_LENGTH}
          onChange={(e) => setText(e.target.value)}
          aria-describedby="note-hint"
        />
        <p id="note-hint" className="muted">
          Never write card numbers in notes.
        </p>
        <button type="submit" disabled={busy || text.trim() === ''}>
          {busy ? 'Adding…' : 'Add note'}
        </button>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
      </form>
    </section>
  );
}
