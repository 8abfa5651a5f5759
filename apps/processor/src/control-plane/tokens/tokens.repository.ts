import { Inject, Injectable } from '@nestjs/common';
import type { ApiToken, Role } from '@dedup/contracts';
import { DataSource, type EntityManager } from 'typeorm';

interface TokenRow {
  id: string;
  name: string;
  role: Role;
  prefix: string;
  created_by: string | null;
  created_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
  last_used_at: Date | null;
}

const COLUMNS = `id::text, name, role, prefix, created_by, created_at, expires_at, revoked_at, last_used_at`;

/** The `api_token` table: API tokens by the SHA-256 of the token (docs/access-control.md). */
@Injectable()
export class TokensRepository {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  inTransaction<T>(work: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  async insert(
    m: EntityManager,
    token: {
      name: string;
      role: Role;
      hash: Buffer;
      prefix: string;
      createdBy: string | null;
      expiresAt: Date;
    },
  ): Promise<ApiToken> {
    const rows: TokenRow[] = await m.query(
      `INSERT INTO api_token (name, role, token_hash, prefix, created_by, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
      [token.name, token.role, token.hash, token.prefix, token.createdBy, token.expiresAt],
    );
    return toToken(first(rows));
  }

  async list(): Promise<ApiToken[]> {
    const rows: TokenRow[] = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM api_token ORDER BY id DESC LIMIT 1000`,
    );
    return rows.map(toToken);
  }

  async get(id: string): Promise<ApiToken | null> {
    const rows: TokenRow[] = await this.dataSource.query(`SELECT ${COLUMNS} FROM api_token WHERE id = $1`, [
      id,
    ]);
    return rows[0] === undefined ? null : toToken(rows[0]);
  }

  /** The token with this hash, revoked and expired ones included (the caller says why it refuses). */
  async findByHash(hash: Buffer): Promise<ApiToken | null> {
    const rows: TokenRow[] = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM api_token WHERE token_hash = $1`,
      [hash],
    );
    return rows[0] === undefined ? null : toToken(rows[0]);
  }

  /** Revokes a live token; null when it was revoked already (or does not exist). */
  async revoke(m: EntityManager, id: string): Promise<ApiToken | null> {
    const rows: TokenRow[] = await m.query(
      `WITH revoked AS (UPDATE api_token SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING *)
       SELECT ${COLUMNS} FROM revoked`,
      [id],
    );
    return rows[0] === undefined ? null : toToken(rows[0]);
  }

  /** At most one write a minute per token: `last_used_at` is for humans, not an audit trail. */
  async touch(id: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE api_token SET last_used_at = now()
        WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`,
      [id],
    );
  }
}

function first<T>(rows: T[]): T {
  const row = rows[0];
  if (row === undefined) throw new Error('INSERT … RETURNING returned no row');
  return row;
}

function toToken(r: TokenRow): ApiToken {
  return {
    id: r.id,
    name: r.name,
    role: r.role,
    prefix: r.prefix,
    createdBy: r.created_by,
    createdAt: r.created_at.toISOString(),
    expiresAt: r.expires_at.toISOString(),
    revokedAt: r.revoked_at?.toISOString() ?? null,
    lastUsedAt: r.last_used_at?.toISOString() ?? null,
  };
}
