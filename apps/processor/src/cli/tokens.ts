import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { createApiTokenRequestSchema } from '@dedup/contracts';
import { z } from 'zod';
import { createDataSource } from '../adapters/postgres/data-source';
import { ActionLogRepository } from '../control-plane/actions/action-log.repository';
import { ActionLogService } from '../control-plane/actions/action-log.service';
import { TokensRepository } from '../control-plane/tokens/tokens.repository';
import { TokensService } from '../control-plane/tokens/tokens.service';
import { loadConfig } from '../platform/config/app-config';

const USAGE = `usage (DATABASE_URL and PIPELINE_NAME as for the processor; docs/access-control.md):
  node apps/processor/dist/cli/tokens.js create --name <name> --role viewer|operator|admin [--expires-in-days N]
      prints the new token on the last line of stdout (the only time it is shown)
  node apps/processor/dist/cli/tokens.js list
  node apps/processor/dist/cli/tokens.js revoke <id>`;

/**
 * API tokens from a shell with database access: how the first admin token of a deployment is made
 * (after that, an admin can use POST /api/tokens). Each change writes its action-log row, as
 * `system` (the CLI has no HTTP caller), like the API's.
 */
async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      role: { type: 'string' },
      'expires-in-days': { type: 'string' },
    },
  });
  const [command, ...rest] = positionals;
  if (command === undefined || !['create', 'list', 'revoke'].includes(command)) {
    process.stderr.write(`${USAGE}\n`);
    return 64;
  }
  const config = loadConfig();
  const dataSource = await createDataSource(config.database.url, 2).initialize();
  try {
    const repository = new TokensRepository(dataSource);
    const tokens = new TokensService(
      repository,
      new ActionLogService(config, new ActionLogRepository(dataSource)),
    );
    if (command === 'list') {
      for (const t of await tokens.list()) {
        const state = t.revokedAt !== null ? `revoked ${t.revokedAt}` : `expires ${t.expiresAt}`;
        process.stdout.write(`${t.id}\t${t.prefix}…\t${t.role}\t${t.name}\t${state}\n`);
      }
      return 0;
    }
    if (command === 'revoke') {
      const id = rest[0];
      if (id === undefined || !/^\d{1,18}$/.test(id)) {
        process.stderr.write(`revoke needs a token id\n${USAGE}\n`);
        return 64;
      }
      const revoked = await tokens.revoke(id);
      process.stdout.write(`revoked token ${revoked.id} (${revoked.name})\n`);
      return 0;
    }
    const days = values['expires-in-days'];
    const request = createApiTokenRequestSchema.safeParse({
      name: values.name,
      role: values.role,
      ...(days === undefined ? {} : { expiresInDays: Number(days) }),
    });
    if (!request.success) {
      process.stderr.write(`invalid token request: ${z.prettifyError(request.error)}\n${USAGE}\n`);
      return 64;
    }
    const created = await tokens.create(request.data, null);
    process.stdout.write(
      `created API token ${created.id} "${created.name}" (${created.role}), expires ${created.expiresAt}\n${created.token}\n`,
    );
    return 0;
  } finally {
    await dataSource.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`tokens: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
