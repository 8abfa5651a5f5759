import { Pool } from 'pg';
import { realStack } from './real-stack';

let pool: Pool | undefined;

export function testPool(): Pool {
  pool ??= new Pool({ connectionString: realStack().databaseUrl, max: 8 });
  return pool;
}

export async function closeTestPool(): Promise<void> {
  await pool?.end();
  pool = undefined;
}
