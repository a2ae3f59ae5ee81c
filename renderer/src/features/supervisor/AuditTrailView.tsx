import { useCallback, useEffect, useState, type SyntheticEvent } from 'react';
import type { AuditRowView, OperatorInput } from '../../../../app/contract';
import { useOperator } from '../../shared/operator-context';
import { localTime, SubjectLink, type OpenDelivery } from '../../shared/subject';

type Query = OperatorInput<'audit.search'>;

/** A datetime-local field's value as epoch ms, or undefined when empty. */
const epoch = (v: string): number | undefined => (v ? new Date(v).getTime() : undefined);

/**
 * Every command with who, from which desk, when issued and when accepted, its outcome and each
 * gateway step; searchable by customer, order, agent and time; exportable as CSV. Read from
 * this desk's replica (the server sends the trail to supervisors only).
 */
export function AuditTrailView({ openDelivery }: { openDelivery: OpenDelivery }) {
  const client = useOperator();
  const [form, setForm] = useState({ customer: '', order: '', agent: '', from: '', to: '' });
  const [query, setQuery] = useState<Query>({});
  const [rows, setRows] = useState<readonly AuditRowView[] | null>(null);
  const [truncated, setTruncated] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(() => {
    void client.call('audit.search', query).then((r) => {
      if (r.ok) {
        setRows(r.value.rows);
        setTruncated(r.value.truncated);
        setError(null);
      } else setError(r.error.message);
    });
  }, [client, query]);

  useEffect(() => {
    load();
    return client.on('records.changed', (e) => {
      if (e.kinds.includes('audit')) load();
    });
  }, [client, load]);

  function search(ev: SyntheticEvent): void {
    ev.preventDefault();
    const from = epoch(form.from);
    const to = epoch(form.to);
    setQuery({
      customer: form.customer.trim(),
      order: form.order.trim(),
      agent: form.agent.trim(),
      ...(from === undefined ? {} : { from }),
      ...(to === undefined ? {} : { to }),
    });
  }

  async function exportCsv(): Promise<void> {
    const r = await client.call('audit.exportCsv', query);
    if (!r.ok) {
      setError(r.error.message);
      return;
    }
    const url = URL.createObjectURL(new Blob([r.value.csv], { type: 'text/csv' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = 'fleetdesk-audit.csv';
    a.click();
    URL.revokeObjectURL(url);
  }

  const field = (name: keyof typeof form, label: string, type = 'text') => (
    <label>
      {label}
      <input
        type={type}
        name={name}
        value={form[name]}
        onChange={(ev) => setForm({ ...form, [name]: ev.target.value })}
      />
    </label>
  );

  return (
    <main className="panel supervisor" aria-labelledby="audit-title">
      <h1 id="audit-title">Audit trail</h1>
      <form className="audit-search" onSubmit={search} aria-label="Search the audit trail">
        {field('customer', 'Customer id')}
        {field('order', 'Order (delivery id)')}
        {field('agent', 'Agent (user id)')}
        {field('from', 'From', 'datetime-local')}
        {field('to', 'To', 'datetime-local')}
        <button type="submit">Search</button>
        <button type="button" onClick={() => void exportCsv()}>
          Export CSV
        </button>
      </form>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {rows === null ? (
        <p>Loading…</p>
      ) : (
        <>
          <p role="status">
            {rows.length} entr{rows.length === 1 ? 'y' : 'ies'}
            {truncated ? ' (the newest; narrow the search to see older ones)' : ''}
          </p>
          {/* Focusable so keyboard users can scroll a wide table sideways. */}
          <div className="audit-wrap" role="region" aria-label="Audit trail entries" tabIndex={0}>
            <table className="deliveries audit">
              <caption className="sr-only">Audit trail entries, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">What</th>
                  <th scope="col">Outcome</th>
                  <th scope="col">Who</th>
                  <th scope="col">Desk</th>
                  <th scope="col">Issued</th>
                  <th scope="col">Accepted</th>
                  <th scope="col">Customer and parcel</th>
                  <th scope="col">Detail</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr key={r.id}>
                    <td>{localTime(r.at)}</td>
                    <td>
                      {r.command}
                      {r.event === 'gateway-step' ? ' (gateway step)' : ''}
                    </td>
                    <td>
                      {r.outcome}
                      {r.code ? ` ${r.code}` : ''}
                    </td>
                    <td>
                      {r.userId} ({r.role})
                    </td>
                    <td>{r.desktopId}</td>
                    <td>{localTime(r.issuedAt)}</td>
                    <td>{localTime(r.acceptedAt)}</td>
                    <td>
                      <SubjectLink s={r} open={openDelivery} />
                    </td>
                    <td>{r.detail ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </main>
  );
}
