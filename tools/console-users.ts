// `npm run console-users -- <file> add|set-role|remove|list ...`: manages the console's local users
// file (CONSOLE_USERS_FILE; docs/access-control.md). The console re-reads the file when it changes,
// so no restart is needed: a removed user's session ends, and a new role applies, at their next
// request. Passwords come from stdin when it is piped, else from a prompt that does not echo; only
// their bcrypt hashes are stored, and nothing here prints a hash.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline/promises';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import bcrypt from 'bcryptjs';
import { z } from 'zod';

const USAGE = `usage: npm run console-users -- <file> <command>   (or: node tools/console-users.ts <file> <command>)
  add <username> <viewer|operator|admin> [--name "Display name"]
      the password is read from stdin when piped (first line), else prompted for twice
  set-role <username> <viewer|operator|admin>
  remove <username>
  list`;

/** libs/contracts ROLES; repeated, not imported, so this runs before anything is built. */
const ROLES = ['viewer', 'operator', 'admin'] as const;
const MIN_PASSWORD_CHARS = 12;
/** bcrypt reads no further than this; a longer password would only seem stronger. */
const MAX_PASSWORD_BYTES = 72;
/** The cost of the console's hash for unknown names (local-users.ts): a wrong name and a wrong password take as long. */
const BCRYPT_COST = 10;

// The file's schema, as the console reads it (apps/console/src/lib/server/local-users.ts): this tool
// refuses to edit a file the console would refuse, and cannot write one.
const usernameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'lower-case letters, digits and . _ - (at most 64)');
const roleSchema = z.enum(ROLES);
const displayNameSchema = z.string().trim().min(1).max(100);
const userSchema = z.strictObject({
  username: usernameSchema,
  name: displayNameSchema.optional(),
  role: roleSchema,
  passwordHash: z
    .string()
    .regex(/^\$2[aby]\$(1\d|2\d|3[01])\$[./A-Za-z0-9]{53}$/, 'a bcrypt hash, cost ≥ 10'),
});
type User = z.infer<typeof userSchema>;
const fileSchema = z.strictObject({
  users: z.array(userSchema).refine((users) => new Set(users.map((u) => u.username)).size === users.length, {
    message: 'a user name appears twice',
  }),
});

/** The command line is wrong (exit 64, with the usage); other failures exit 1. */
class UsageError extends Error {}

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new Error(`${what}: ${z.prettifyError(result.error)}`);
  return result.data;
}

function readUsers(file: string): User[] {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`${file}: ${(error as Error).message}`, { cause: error });
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success)
    throw new Error(`${file} is not a valid users file:\n${z.prettifyError(parsed.error)}`);
  return parsed.data.users;
}

/** Replaces the file whole (a temporary file renamed over it): the console never reads half of one. */
async function writeUsers(file: string, users: readonly User[]): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(4).toString('hex')}.tmp`);
  const handle = await open(tmp, 'wx', 0o600);
  try {
    await handle.writeFile(`${JSON.stringify({ users }, null, 2)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(tmp, file);
  } catch (error) {
    await unlink(tmp);
    throw error;
  }
}

async function readPiped(): Promise<string> {
  process.stdin.setEncoding('utf8');
  let text = '';
  for await (const chunk of process.stdin as AsyncIterable<string>) text += chunk;
  return text.split(/\r?\n/)[0] ?? '';
}

/**
 * Asks each question on the terminal without echoing the answers; Ctrl-C gives up. One interface for
 * all of them, and each question written only once the terminal is in raw mode: typing that arrives
 * while the terminal is in its normal mode would be echoed by the terminal itself.
 */
async function promptHidden(questions: readonly string[]): Promise<string[]> {
  // readline echoes what it reads to its output: an output that drops everything hides the password.
  const silent = new Writable({ write: (_chunk, _encoding, done) => done() });
  const rl = createInterface({ input: process.stdin, output: silent, terminal: true });
  const abort = new AbortController();
  rl.on('SIGINT', () => abort.abort());
  const answers: string[] = [];
  try {
    for (const question of questions) {
      process.stderr.write(question);
      answers.push(await rl.question('', { signal: abort.signal }));
      process.stderr.write('\n');
    }
    return answers;
  } catch (error) {
    if (abort.signal.aborted) {
      process.stderr.write('\n');
      throw new Error('cancelled', { cause: error });
    }
    throw error;
  } finally {
    rl.close();
  }
}

async function readPassword(username: string): Promise<string> {
  let password: string;
  if (process.stdin.isTTY) {
    const [first, again] = await promptHidden([`password for ${username}: `, 'again: ']);
    if (first !== again) throw new Error('the passwords differ');
    password = first ?? '';
  } else {
    password = await readPiped();
  }
  if (password.length < MIN_PASSWORD_CHARS) {
    throw new Error(`the password needs at least ${MIN_PASSWORD_CHARS} characters`);
  }
  if (Buffer.byteLength(password) > MAX_PASSWORD_BYTES) {
    throw new Error(`the password may have at most ${MAX_PASSWORD_BYTES} bytes (bcrypt ignores the rest)`);
  }
  return password;
}

function find(users: readonly User[], username: string, file: string): User {
  const user = users.find((u) => u.username === username);
  if (user === undefined) throw new Error(`no user "${username}" in ${file}`);
  return user;
}

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { name: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  const [fileArg, command, ...args] = positionals;
  if (values.help === true || fileArg === undefined || command === undefined) {
    process.stderr.write(`${USAGE}\n`);
    return values.help === true ? 0 : 64;
  }
  // `npm run` starts this in the repository root; a relative path means the caller's directory.
  const file = path.resolve(process.env['INIT_CWD'] ?? process.cwd(), fileArg);
  const expect = (n: number) => {
    if (args.length !== n) throw new UsageError(`${command} takes ${n} argument(s)`);
  };
  if (values.name !== undefined && command !== 'add') throw new UsageError('--name goes with add');

  switch (command) {
    case 'list': {
      expect(0);
      for (const u of readUsers(file)) process.stdout.write(`${u.username}\t${u.role}\t${u.name ?? ''}\n`);
      return 0;
    }
    case 'add': {
      expect(2);
      const username = parse(usernameSchema, args[0], 'username');
      const role = parse(roleSchema, args[1], 'role');
      const name = values.name === undefined ? undefined : parse(displayNameSchema, values.name, '--name');
      const users = existsSync(file) ? readUsers(file) : [];
      if (users.some((u) => u.username === username)) {
        throw new Error(
          `"${username}" exists in ${file}; set-role changes the role, remove + add the password`,
        );
      }
      const passwordHash = await bcrypt.hash(await readPassword(username), BCRYPT_COST);
      await writeUsers(file, [
        ...users,
        { username, ...(name === undefined ? {} : { name }), role, passwordHash },
      ]);
      process.stdout.write(`added ${username} (${role}) to ${file}\n`);
      return 0;
    }
    case 'set-role': {
      expect(2);
      const username = parse(usernameSchema, args[0], 'username');
      const role = parse(roleSchema, args[1], 'role');
      const users = readUsers(file);
      const before = find(users, username, file).role;
      await writeUsers(
        file,
        users.map((u) => (u.username === username ? { ...u, role } : u)),
      );
      process.stdout.write(`${username}: ${before} → ${role}; applies at their next request\n`);
      return 0;
    }
    case 'remove': {
      expect(1);
      const username = parse(usernameSchema, args[0], 'username');
      const users = readUsers(file);
      find(users, username, file);
      await writeUsers(
        file,
        users.filter((u) => u.username !== username),
      );
      process.stdout.write(`removed ${username}; a session of theirs ends at its next request\n`);
      return 0;
    }
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`console-users: ${message}\n`);
    if (error instanceof UsageError) process.stderr.write(`${USAGE}\n`);
    process.exit(error instanceof UsageError ? 64 : 1);
  },
);
