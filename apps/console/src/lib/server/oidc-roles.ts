import { roleAllows, type Role } from '@dedup/contracts';

/*
 * The role of a person signed in through OIDC, from one claim of their ID token (Auth.js reads the
 * ID token's claims, not userinfo: the provider must put the claim in the ID token)
 * (AUTH_OIDC_ROLE_CLAIM, e.g. `groups`): the highest role any of its values maps to
 * (AUTH_OIDC_ROLE_MAP), else the default role, else none (they may not sign in). Pure.
 */

export interface OidcRoleRule {
  readonly roleClaim: string;
  readonly roleMap: ReadonlyMap<string, Role>;
  readonly defaultRole: Role | null;
}

/** A claim's values: a string, a list of strings, or a space/comma separated string (`scope` style). */
function claimValues(profile: Readonly<Record<string, unknown>>, claim: string): string[] {
  // A dotted name reads a nested claim (Keycloak's `realm_access.roles`).
  let value: unknown = profile;
  for (const part of claim.split('.')) {
    value =
      typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[part] : undefined;
  }
  if (typeof value === 'string') return value.split(/[\s,]+/).filter((v) => v !== '');
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}

export function oidcRole(profile: Readonly<Record<string, unknown>>, rule: OidcRoleRule): Role | null {
  let best: Role | null = null;
  for (const value of claimValues(profile, rule.roleClaim)) {
    const role = rule.roleMap.get(value);
    if (role !== undefined && (best === null || roleAllows(role, best))) best = role;
  }
  return best ?? rule.defaultRole;
}
