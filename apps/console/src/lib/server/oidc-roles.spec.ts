import { describe, expect, it } from '@jest/globals';
import { parseRoleMap } from './config';
import { oidcRole } from './oidc-roles';

const roleMap = parseRoleMap('dedup-admins=admin, sre=operator,eng=viewer');
if (typeof roleMap === 'string') throw new Error(roleMap);
const rule = { roleClaim: 'groups', roleMap, defaultRole: null };

describe('oidcRole', () => {
  it('takes the highest role any claim value maps to', () => {
    expect(oidcRole({ groups: ['eng', 'sre'] }, rule)).toBe('operator');
    expect(oidcRole({ groups: ['eng', 'dedup-admins', 'sre'] }, rule)).toBe('admin');
    expect(oidcRole({ groups: ['eng'] }, rule)).toBe('viewer');
  });

  it('reads a string claim split on spaces or commas, and a nested claim by a dotted name', () => {
    expect(oidcRole({ groups: 'eng sre' }, rule)).toBe('operator');
    expect(oidcRole({ groups: 'eng,dedup-admins' }, rule)).toBe('admin');
    expect(oidcRole({ realm_access: { roles: ['sre'] } }, { ...rule, roleClaim: 'realm_access.roles' })).toBe(
      'operator',
    );
  });

  it('refuses a person without a mapped value, unless there is a default role', () => {
    expect(oidcRole({ groups: ['marketing'] }, rule)).toBeNull();
    expect(oidcRole({}, rule)).toBeNull();
    expect(oidcRole({ groups: 42 }, rule)).toBeNull();
    expect(oidcRole({ groups: ['marketing'] }, { ...rule, defaultRole: 'viewer' })).toBe('viewer');
  });

  it('never maps by prefix or case: values match exactly', () => {
    expect(oidcRole({ groups: ['SRE', 'sre-interns', 'dedup-admins-old'] }, rule)).toBeNull();
  });
});

describe('parseRoleMap', () => {
  it('refuses an entry that is not value=role', () => {
    expect(parseRoleMap('a=root')).toMatch(/"a=root" is not claim-value=role/);
    expect(parseRoleMap('=admin')).toMatch(/is not claim-value=role/);
    expect(parseRoleMap('admin')).toMatch(/is not claim-value=role/);
    expect(parseRoleMap('')).toEqual(new Map());
  });
});
