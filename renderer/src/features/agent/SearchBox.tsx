import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { SearchHit } from '../../../../app/contract';
import { useOperator } from '../../shared/operator-context';
import type { Selection } from './selection';

const SHOWN = 20;
/** The core's largest page: a count beyond it is "more than". */
const MAX_COUNTED = 100;

/** "3 results", or "First 20 of 90 results" when only the first ones are listed. */
function countText(shown: number, total: number): string {
  if (total <= shown) return `${String(shown)} result${shown === 1 ? '' : 's'}`;
  const of = total >= MAX_COUNTED ? `more than ${String(MAX_COUNTED - 1)}` : String(total);
  return `First ${String(shown)} of ${of} results — type more to narrow`;
}

/**
 * Global search over the local replica (works offline). Ctrl+K focuses it;
 * arrows move through the results, Enter opens one, Escape clears.
 */
export function SearchBox({ onOpen }: { onOpen: (s: Selection) => void }) {
  const client = useOperator();
  const input = useRef<HTMLInputElement>(null);
  const [text, setText] = useState('');
  const [hits, setHits] = useState<readonly SearchHit[]>([]);
  /** How many matched, up to MAX_COUNTED: 20 is what is shown, not what was found. */
  const [total, setTotal] = useState(0);
  const [active, setActive] = useState(0);
  const [searching, setSearching] = useState(false);
  const seq = useRef(0);

  useEffect(() => {
    const onKey = (e: globalThis.KeyboardEvent): void => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'k') {
        e.preventDefault();
        input.current?.focus();
        input.current?.select();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  useEffect(() => {
    const query = text.trim();
    const mine = ++seq.current;
    if (query === '') {
      setHits([]);
      setTotal(0);
      setSearching(false);
      return;
    }
    setSearching(true);
    const timer = setTimeout(() => {
      void client.call('search.query', { text: query, limit: MAX_COUNTED }).then((r) => {
        if (mine !== seq.current) return;
        setSearching(false);
        const all = r.ok ? r.value : [];
        setTotal(all.length);
        setHits(all.slice(0, SHOWN));
        setActive(0);
      });
    }, 120);
    return () => clearTimeout(timer);
  }, [client, text]);

  const open = (hit: SearchHit | undefined): void => {
    if (!hit) return;
    onOpen({ kind: hit.kind, id: hit.id });
    setHits([]);
    setTotal(0);
    setText('');
  };

  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>): void => {
    if (e.key === 'ArrowDown' && hits.length > 0) {
      e.preventDefault();
      setActive((a) => (a + 1) % hits.length);
    } else if (e.key === 'ArrowUp' && hits.length > 0) {
      e.preventDefault();
      setActive((a) => (a - 1 + hits.length) % hits.length);
    } else if (e.key === 'Enter') {
      e.preventDefault();
      open(hits[active]);
    } else if (e.key === 'Escape') {
      setText('');
    }
  };

  const optionId = (i: number): string => `search-hit-${String(i)}`;
  const query = text.trim();
  return (
    <div role="search" className="agent-search">
      <input
        ref={input}
        type="search"
        aria-label="Search customers and deliveries"
        placeholder="Search customers and deliveries (Ctrl+K)"
        aria-controls={hits.length > 0 ? 'search-results' : undefined}
        aria-activedescendant={hits.length > 0 ? optionId(active) : undefined}
        autoComplete="off"
        value={text}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={onKeyDown}
      />
      <p className={hits.length > 0 ? 'search-count muted' : 'sr-only'} aria-live="polite">
        {query === '' ? '' : searching ? 'Searching…' : countText(hits.length, total)}
      </p>
      {query !== '' && hits.length === 0 && (
        <p className="search-hits muted">{searching ? 'Searching…' : 'No matches on this desk.'}</p>
      )}
      {hits.length > 0 && (
        <ul id="search-results" role="listbox" aria-label="Search results" className="search-hits">
          {hits.map((h, i) => (
            <li
              key={`${h.kind}:${h.id}`}
              id={optionId(i)}
              role="option"
              aria-selected={i === active}
              onMouseDown={(e) => e.preventDefault()}
              onClick={() => open(h)}
            >
              <span className="hit-kind">{h.kind === 'account' ? 'Customer' : 'Delivery'}</span>{' '}
              <strong>{h.title}</strong> <span className="muted">{h.subtitle}</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
