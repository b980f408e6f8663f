/**
 * Summarizes V8 CPU profiles (.cpuprofile, e.g. from `npm run bench -- --profile`):
 *   node bench/profile-summary.ts [--top N] <file.cpuprofile>...
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { summarizeProfiles } from './lib/profile.ts';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string' } } });
if (positionals.length === 0) {
  process.stderr.write('usage: node bench/profile-summary.ts [--top N] <file.cpuprofile>...\n');
  process.exit(2);
}
const root = fileURLToPath(new URL('..', import.meta.url));
process.stdout.write(`${summarizeProfiles(positionals, { root, top: Number(values.top ?? 20) })}\n`);
