import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { SendProgress } from './SendProgress';

const render = (pending: number): string =>
  renderToStaticMarkup(createElement(SendProgress, { pending }));

describe('SendProgress', () => {
  it('shows nothing for a small backlog', () => {
    expect(render(120)).toBe('');
    expect(render(0)).toBe('');
  });

  it('shows a labelled progress bar for a backlog of more than a few hundred', () => {
    const html = render(10_000);
    expect(html).toContain('aria-label="Sending queued commands"');
    expect(html).toContain('max="10000"');
    expect(html).toContain('0 of 10,000 sent');
  });
});
