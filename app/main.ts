/** Entry point: `npm start`. Loads configuration, migrates, serves, and shuts down gracefully on SIGTERM/SIGINT. */
import { ConfigError, loadConfig, redactedConfig } from './config';
import { createLogger } from './logger';
import { consoleUrl } from '../sandbox/identity';
import { createBot } from './server';

async function main() {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  process.env.TZ = config.tz;
  const log = createLogger(config.logLevel);
  log.info({ config: redactedConfig(config) }, 'starting');
  if (!config.databaseUrl) {
    log.warn({ dataDir: config.dataDir }, 'using the embedded database (PGlite): fine for trying and demos; use PostgreSQL (DATABASE_URL) in production');
  }
  const bot = await createBot(config, { log });
  const port = await bot.start();
  if (bot.sandbox) {
    log.warn(`SANDBOX MODE (no WeCom credentials): a fake WeCom and a demo company on this server. Open ${consoleUrl(port)}`);
  }

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: finishing the work in hand (a backlog stays queued)');
    const force = setTimeout(() => process.exit(1), 30_000);
    force.unref();
    try {
      await bot.stop();
      log.info('stopped');
      process.exit(0);
    } catch (err) {
      log.error({ err }, 'error while stopping');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled rejection'));
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
