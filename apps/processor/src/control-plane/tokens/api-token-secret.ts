import { createHash, randomBytes } from 'node:crypto';
import { API_TOKEN_PREFIX } from '@dedup/contracts';

/** A new API token: `dpt_` + 32 random bytes in base64url (43 characters). */
export function newApiTokenSecret(): string {
  return `${API_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/** What is stored and looked up: the SHA-256 of the whole token. */
export function hashApiToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** What a list shows to recognise a token by: `dpt_` and its first 6 characters. */
export function displayPrefix(token: string): string {
  return token.slice(0, API_TOKEN_PREFIX.length + 6);
}
