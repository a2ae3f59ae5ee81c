import { describe, expect, it } from 'vitest';
import type { Principal } from './doc-access.policy';
import { defaultDocAccess, isKnownDocName, parseDocName } from './doc-access.policy';

const as = (role: Principal['role']): Principal => ({ userId: 'u1', role, expiresAt: 0 });

describe('doc names', () => {
  it.each([
    ['board/north-1/2024-05-31', { kind: 'board', region: 'north-1', day: '2024-05-31' }],
    ['dispatch/s/2024-02-29', { kind: 'dispatch', region: 's', day: '2024-02-29' }],
    ['status/eu-west', { kind: 'status', region: 'eu-west' }],
  ])('parses %s', (name, parsed) => {
    expect(parseDocName(name)).toEqual(parsed);
  });

  it.each([
    '',
    'board',
    'board/north',
    'board/North/2024-05-31',
    'board/north/2024-5-31',
    'board/north/2023-02-29',
    'board/north/2024-13-01',
    'board/north/2024-05-31/x',
    'status/north/2024-05-31',
    'status/',
    `status/${'a'.repeat(33)}`,
    'chat/north/2024-05-31',
    'board/no%2Fpe/2024-05-31',
    '../board/north/2024-05-31',
  ])('refuses %j', (name) => {
    expect(isKnownDocName(name)).toBe(false);
  });
});

describe('defaultDocAccess', () => {
  it.each([
    ['board/n/2024-05-31', 'agent', 'write'],
    ['board/n/2024-05-31', 'fleet-manager', 'write'],
    ['board/n/2024-05-31', 'supervisor', 'write'],
    ['dispatch/n/2024-05-31', 'agent', 'read'],
    ['dispatch/n/2024-05-31', 'fleet-manager', 'write'],
    ['dispatch/n/2024-05-31', 'supervisor', 'write'],
    ['status/n', 'agent', 'read'],
    ['status/n', 'fleet-manager', 'read'],
    ['status/n', 'supervisor', 'read'],
    ['nope', 'supervisor', 'none'],
  ] as const)('%s as %s → %s', (doc, role, access) => {
    expect(defaultDocAccess(as(role), doc)).toBe(access);
  });
});
