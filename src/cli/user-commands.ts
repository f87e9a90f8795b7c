import type { Command } from 'commander';
import { join } from 'node:path';
import { loadConfig } from '../config.js';
import { openSqlite } from '../store/sqlite/open.js';
import { SqliteUsers } from '../store/sqlite/users.js';
import { isValidUserName, NoSuchUserError, UserExistsError } from '../store/users.js';
import { storeOptions } from './store-options.js';

/**
 * `simpleim user add|list|remove|passwd`. They open the same SQLite file as
 * the server (WAL lets both run at once), so they work whether or not the
 * server runs.
 */
export function registerUserCommands(program: Command): void {
  const user = program.command('user').description('manage subscribers');

  const open = (opts: Record<string, unknown>) => {
    const config = loadConfig(opts);
    const db = openSqlite(join(config.data, 'simpleim.db'));
    return { db, users: new SqliteUsers(db, config.domain), config };
  };

  storeOptions(user.command('add <name>').description('add a user'))
    .option('--password <pw>', 'the password (else read from standard input)')
    .action(async (name: string, opts: Record<string, unknown>) => {
      if (!isValidUserName(name)) fail(`bad user name "${name}"`);
      const pw = (opts.password as string | undefined) ?? (await readPassword());
      const { db, users, config } = open(opts);
      try {
        await users.add(name, pw);
        process.stdout.write(`added sip:${name}@${config.domain}\n`);
      } catch (e) {
        if (e instanceof UserExistsError) fail(e.message);
        throw e;
      } finally {
        db.close();
      }
    });

  storeOptions(user.command('list').description('list users')).action(async (opts: Record<string, unknown>) => {
    const { db, users, config } = open(opts);
    for (const u of await users.list()) process.stdout.write(`sip:${u.name}@${config.domain}\n`);
    db.close();
  });

  storeOptions(user.command('remove <name>').description('remove a user')).action(
    async (name: string, opts: Record<string, unknown>) => {
      const { db, users } = open(opts);
      const removed = await users.remove(name);
      db.close();
      if (!removed) fail(`no such user: ${name}`);
      process.stdout.write(`removed ${name}\n`);
    },
  );

  storeOptions(user.command('passwd <name>').description("change a user's password"))
    .option('--password <pw>', 'the new password (else read from standard input)')
    .action(async (name: string, opts: Record<string, unknown>) => {
      const pw = (opts.password as string | undefined) ?? (await readPassword());
      const { db, users } = open(opts);
      try {
        await users.setPassword(name, pw);
        process.stdout.write(`password changed for ${name}\n`);
      } catch (e) {
        if (e instanceof NoSuchUserError) fail(e.message);
        throw e;
      } finally {
        db.close();
      }
    });
}

function fail(msg: string): never {
  process.stderr.write(`simpleim: ${msg}\n`);
  process.exit(1);
}

async function readPassword(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  const pw = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  if (pw.length === 0) fail('empty password');
  return pw;
}
