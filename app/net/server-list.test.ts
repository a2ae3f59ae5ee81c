import { describe, expect, it } from 'vitest';
import { ServerList } from './server-list';

describe('ServerList', () => {
  it('moves to the next server once per outage, however many parts report it, and wraps', () => {
    const list = new ServerList(['http://a', 'http://b', 'http://c']);
    expect(list.current()).toBe('http://a');
    list.failed('http://a');
    list.failed('http://a'); // a second part noticing the same outage: no second move
    expect(list.current()).toBe('http://b');
    list.failed('http://b');
    list.failed('http://c');
    expect(list.current()).toBe('http://a');
  });

  it('stays on a single server and refuses an empty list', () => {
    const one = new ServerList(['http://a']);
    one.failed('http://a');
    expect(one.current()).toBe('http://a');
    expect(() => new ServerList([])).toThrow(/at least one/);
  });
});
