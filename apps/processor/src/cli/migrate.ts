import 'reflect-metadata';
import { loadConfig } from '../platform/config/app-config';
import { createDataSource } from '../adapters/postgres/data-source';

/** `node dist/cli/migrate.js [up|down]`: applies (or reverts the last) schema migration. */
async function main(): Promise<void> {
  const direction = process.argv[2] ?? 'up';
  const config = loadConfig();
  const dataSource = await createDataSource(config.database.url, 2).initialize();
  try {
    if (direction === 'down') {
      await dataSource.undoLastMigration({ transaction: 'all' });
      process.stdout.write('reverted the last migration\n');
    } else {
      const applied = await dataSource.runMigrations({ transaction: 'all' });
      process.stdout.write(
        `migrations applied: ${applied.length === 0 ? 'none pending' : applied.map((m) => m.name).join(', ')}\n`,
      );
    }
  } finally {
    await dataSource.destroy();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`migration failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
