import { resolve } from 'node:path';

/**
 * A file path as the person meant it. `npm run cli` runs the CLI in the package's folder, so there
 * a relative path is resolved against the folder npm was started in (INIT_CWD).
 */
export function callerPath(path: string, env: NodeJS.ProcessEnv = process.env): string {
  const base = env.npm_lifecycle_event === 'cli' && env.INIT_CWD ? env.INIT_CWD : process.cwd();
  return resolve(base, path);
}
