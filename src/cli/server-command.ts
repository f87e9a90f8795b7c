import type { Config } from '../config.js';
import { startServer, type RunningServer } from '../server.js';

/**
 * Runs the server until SIGTERM/SIGINT, then stops it cleanly: in-flight
 * transactions finish, sockets close, the store closes. The signal handlers
 * are installed before anything starts, so a signal during start-up is
 * honoured as soon as the server is up.
 */
export async function runServer(config: Config): Promise<void> {
  let server: RunningServer | undefined;
  let requested: string | undefined;
  let stopping = false;
  const stop = async (signal: string) => {
    requested = signal;
    if (!server || stopping) return;
    stopping = true;
    server.log.info({ signal }, 'stopping');
    await server.stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  server = await startServer(config);
  process.stdout.write(`simpleim ready ${server.addresses().join(' ')}\n`);
  if (requested) await stop(requested);
}
