import type { Config } from '../config.js';
import { startServer } from '../server.js';

/** Runs the server until SIGTERM/SIGINT, then stops it cleanly. */
export async function runServer(config: Config): Promise<void> {
  const server = await startServer(config);
  process.stdout.write(`simpleim ready ${server.addresses().join(' ')}\n`);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    server.log.info({ signal }, 'stopping');
    await server.stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}
