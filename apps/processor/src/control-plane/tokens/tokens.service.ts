import { Inject, Injectable } from '@nestjs/common';
import type { ApiToken, CreatedApiToken, Principal, Role } from '@dedup/contracts';
import { ControlPlaneError } from '../control-plane-error';
import { ActionLogService } from '../actions/action-log.service';
import { displayPrefix, hashApiToken, newApiTokenSecret } from './api-token-secret';
import { TokensRepository } from './tokens.repository';

export const DEFAULT_TOKEN_DAYS = 90;
const DAY_MS = 86_400_000;

export class TokenNotFoundError extends ControlPlaneError {
  constructor(message: string) {
    super('not_found', message);
  }
}
export class TokenConflictError extends ControlPlaneError {
  constructor(message: string) {
    super('conflict', message);
  }
}

/** Issuing and revoking API tokens; each change writes its action row in its own transaction. */
@Injectable()
export class TokensService {
  constructor(
    @Inject(TokensRepository) private readonly repository: TokensRepository,
    @Inject(ActionLogService) private readonly actions: ActionLogService,
  ) {}

  list(): Promise<ApiToken[]> {
    return this.repository.list();
  }

  /** The token is in the answer and nowhere else: not in the table, the log or the action row. */
  async create(
    request: { name: string; role: Role; expiresInDays?: number | undefined },
    by: Principal | null,
  ): Promise<CreatedApiToken> {
    const token = newApiTokenSecret();
    const expiresAt = new Date(Date.now() + (request.expiresInDays ?? DEFAULT_TOKEN_DAYS) * DAY_MS);
    const created = await this.repository.inTransaction(async (m) => {
      const row = await this.repository.insert(m, {
        name: request.name,
        role: request.role,
        hash: hashApiToken(token),
        prefix: displayPrefix(token),
        createdBy: by?.id ?? null,
        expiresAt,
      });
      await this.actions.inTransaction(m, {
        systemAction: 'tokens.create',
        target: `token/${row.id}`,
        details: { token: { id: row.id, prefix: row.prefix, expiresAt: row.expiresAt } },
      });
      return row;
    });
    this.actions.committed();
    return { ...created, token };
  }

  async revoke(id: string): Promise<ApiToken> {
    const revoked = await this.repository.inTransaction(async (m) => {
      const row = await this.repository.revoke(m, id);
      if (row !== null)
        await this.actions.inTransaction(m, { systemAction: 'tokens.revoke', target: `token/${id}` });
      return row;
    });
    if (revoked === null) {
      const token = await this.repository.get(id);
      if (token === null) throw new TokenNotFoundError(`no API token ${id}`);
      throw new TokenConflictError(`API token ${id} was revoked at ${token.revokedAt ?? '?'}`);
    }
    this.actions.committed();
    return revoked;
  }
}
