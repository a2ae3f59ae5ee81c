export const ROLES = ['agent', 'fleet-manager', 'supervisor'] as const;
export type Role = (typeof ROLES)[number];

export const isRole = (raw: unknown): raw is Role =>
  typeof raw === 'string' && (ROLES as readonly string[]).includes(raw);
