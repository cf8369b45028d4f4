/**
 * Who changes an invoice: a person, authenticated by an API key with a role, or one of billflow's
 * own processes acting on evidence (a Stripe event, a bank statement line, a billing run, a
 * subscription). The workflow checks each command against what its kind of actor may do; a system
 * never poses as a person's role.
 */

export const ROLES = ['admin', 'operator', 'approver', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

export const SYSTEMS = ['stripe', 'bank', 'billing-run', 'subscription'] as const;
export type SystemName = (typeof SYSTEMS)[number];

export interface Person {
  principal: string;
  role: Role;
}

export interface System {
  /** `system:<name>`: how the timeline and the payments table name it. */
  principal: `system:${SystemName}`;
  system: SystemName;
}

export type Actor = Person | System;

export function systemActor(system: SystemName): System {
  return { principal: `system:${system}`, system };
}

export function isSystem(actor: Actor): actor is System {
  return 'system' in actor && typeof actor.system === 'string';
}

/** What an actor may do: the roles of people, and the systems, allowed. */
export interface Permission {
  roles: readonly Role[];
  systems?: readonly SystemName[];
}

/** Null when `actor` may act; else why not, for a 403. */
export function refusal(actor: Actor, action: string, permission: Permission): string | null {
  if (isSystem(actor)) return permission.systems?.includes(actor.system) ? null : `the ${actor.system} system may not ${action}`;
  return permission.roles.includes(actor.role) ? null : `role "${String(actor.role)}" may not ${action}`;
}
