import { ConfigError, loadConfig, loadDotEnv, type Config } from './config.ts';

/** For process entry points: reads `.env` and the environment, or prints every problem and exits 1. */
export function loadConfigOrExit(prefix: string): Config {
  loadDotEnv();
  try {
    return loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${prefix}: ${error.message}\n`);
    process.exit(1);
  }
}
