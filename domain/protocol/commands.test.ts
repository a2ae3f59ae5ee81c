import { describe, expect, it } from 'vitest';
import { COMMAND_NAMES, COMMAND_ROLES, COMMAND_SCHEMA_VERSION, mayIssue } from './commands';
import { ROLES, isRole } from './roles';

describe('mayIssue (role × command matrix)', () => {
  const MATRIX = {
    'payments.changeMethod': { agent: true, 'fleet-manager': false, supervisor: true },
    'shipping.cancelDelivery': { agent: true, 'fleet-manager': false, supervisor: true },
    'shipping.rescheduleDelivery': { agent: true, 'fleet-manager': false, supervisor: true },
    'shipping.assignDrone': { agent: false, 'fleet-manager': true, supervisor: true },
    'payments.retryVoid': { agent: false, 'fleet-manager': false, supervisor: true },
    'payments.resolveEscalation': { agent: false, 'fleet-manager': false, supervisor: true },
  } as const;

  it.each(
    COMMAND_NAMES.flatMap((name) => ROLES.map((role) => [role, name, MATRIX[name][role]] as const)),
  )('%s may issue %s: %s', (role, name, allowed) => {
    expect(mayIssue(role, name)).toBe(allowed);
  });

  it('a supervisor may issue everything', () => {
    expect(COMMAND_NAMES.every((name) => mayIssue('supervisor', name))).toBe(true);
  });

  it('every command names at least one role, and only known ones', () => {
    for (const name of COMMAND_NAMES) {
      expect(COMMAND_ROLES[name].length).toBeGreaterThan(0);
      expect(COMMAND_ROLES[name].every(isRole)).toBe(true);
    }
  });

  it('speaks schema version 1', () => {
    expect(COMMAND_SCHEMA_VERSION).toBe(1);
  });
});

describe('isRole', () => {
  it.each([
    ['agent', true],
    ['fleet-manager', true],
    ['supervisor', true],
    ['admin', false],
    ['Agent', false],
    ['', false],
    [undefined, false],
    [1, false],
  ])('isRole(%j) is %s', (raw, expected) => {
    expect(isRole(raw)).toBe(expected);
  });
});
