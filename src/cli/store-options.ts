import type { Command } from 'commander';

/** Flags shared by every command that touches the store. */
export function storeOptions(cmd: Command): Command {
  return cmd
    .option('--data <dir>', 'data directory (SQLite store)')
    .option('--domain <domain>', 'SIP domain served (also the digest realm)')
    .option('--config <file>', 'JSON config file');
}
