// Entry point: `npm start`. Reads the configuration, starts the server, stops it on SIGTERM/SIGINT.
import 'reflect-metadata';
import { ConfigError, loadConfig } from './server/config.js';
import { startServer } from './server/app.js';
import { createLogger } from './server/logger.js';
import { missingNodeOptions } from './server/node-options.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`leadrace: bad configuration: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  const missing = missingNodeOptions();
  if (missing.length > 0) {
    logger.warn({ missing }, 'started without the Node.js options `npm start` passes (src/server/node-options.ts says why); speed to lead may suffer');
  }
  const server = await startServer({ config, logger });
  process.stdout.write(`leadrace is up: ${config.publicUrl}/graphql (playground ${config.playground ? 'on' : 'off'})\n`);

  const stop = (signal: string) => {
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      logger.error('shutdown took over 10 s; exiting');
      process.exit(1);
    }, 10_000);
    force.unref();
    server.close().then(() => process.exit(0), (err: unknown) => {
      logger.error({ err }, 'error while shutting down');
      process.exit(1);
    });
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`leadrace: failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
