import { Command, Option } from 'commander';
import { ConfigError, loadConfig } from '../config.js';
import { runServer } from './server-command.js';
import { storeOptions } from './store-options.js';
import { registerUserCommands } from './user-commands.js';

/**
 * The `simpleim` command. Command names, flags, default ports and the
 * `simpleim ready` line are what operators script against: add, never rename.
 */
const program = new Command();
program.name('simpleim').description('OMA SIMPLE IM service: SIP/IP core, IM server, XDMS').showHelpAfterError();

storeOptions(
  program
    .command('server')
    .description('run the whole service on the embedded SQLite store')
    .option('--sip <host:port>', 'SIP over UDP and TCP (default 127.0.0.1:5060)')
    .option('--sips <host:port>', 'SIP over TLS (needs --tls-cert and --tls-key)')
    .option('--tls-cert <file>', 'TLS certificate (PEM)')
    .option('--tls-key <file>', 'TLS private key (PEM)')
    .option('--http <host:port>', 'HTTP: SIP and MSRP over WebSocket, XCAP, /healthz, /metrics (default 127.0.0.1:8080)')
    .option('--msrp <host:port>', 'MSRP over TCP (default 127.0.0.1:2855)')
    .option('--msrps <host:port>', 'MSRP over TLS')
    .option('--digest-algorithms <list>', 'digest algorithms offered, in order (default MD5; e.g. SHA-256,MD5)')
    .addOption(new Option('--log-level <level>', 'log level').choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])),
).action(async (opts: Record<string, unknown>) => {
  await runServer(loadConfig(opts));
});

registerUserCommands(program);

program.parseAsync(process.argv).catch((e: unknown) => {
  if (e instanceof ConfigError) {
    process.stderr.write(`simpleim: ${e.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`simpleim: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
