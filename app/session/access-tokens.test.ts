/**
 * AccessTokens across a quick sign-out and sign-in, against a real HTTP endpoint that holds the
 * first refresh's answer: the refresh still in flight at the sign-out was made with the previous
 * operator's sign-in token, and its access token must never serve the next operator.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { ServerClient } from '../net';
import { AccessTokens } from './access-tokens';

const servers: { close(): void }[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

/** Answers each refresh with an access token naming the sign-in token it was asked with. */
async function refreshEndpoint(): Promise<{ url: string; held: (() => void)[] }> {
  const held: (() => void)[] = [];
  let first = true;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const bearer = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    const answer = (): void => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ accessToken: `access-for-${bearer}`, expiresInMs: 300_000 }));
    };
    req.resume();
    req.on('end', () => {
      if (first) {
        first = false;
        held.push(answer); // the slow answer: still on its way at the sign-out
      } else answer();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  servers.push(server);
  return { url: `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`, held };
}

it('a refresh still in flight at a sign-out never hands its token to the next operator', async () => {
  const { url, held } = await refreshEndpoint();
  let signIn: string | null = 'fm-sign-in';
  const access = new AccessTokens({
    server: new ServerClient(url, () => null),
    signInToken: () => signIn,
    deskId: 'desk-1',
    now: Date.now,
    onRevoked: () => undefined,
  });
  const fmRefresh = access.refresh();
  await expect.poll(() => held.length).toBe(1);

  // The fleet manager signs out; a supervisor signs in before the slow answer arrives.
  access.clear();
  signIn = 'sup-sign-in';
  const supRefresh = access.refresh();
  expect(supRefresh).not.toBe(fmRefresh); // not the previous operator's request, reused
  await supRefresh;
  expect(access.token()).toBe('access-for-sup-sign-in');

  held[0]?.();
  await fmRefresh;
  expect(access.token()).toBe('access-for-sup-sign-in');
});
