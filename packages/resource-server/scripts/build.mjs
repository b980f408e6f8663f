// Builds src/ into dist/ (ES modules, .d.ts, source maps) with the TypeScript compiler API.
//   node scripts/build.mjs        (npm run build; also the `prepare` script, so `npm ci` and
//                                  `npm pack` build it)
// Files are only written when their content changed, each one atomically (a temporary file
// renamed over it): processes importing dist/ while a build runs never read a half-written
// module. Files in dist/ that the build no longer emits are removed. Type errors fail the build.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';

const root = new URL('..', import.meta.url).pathname;
const configPath = join(root, 'tsconfig.build.json');
const host = { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (diagnostic) => fail([diagnostic]) };
const config = ts.getParsedCommandLineOfConfigFile(configPath, {}, host);

function fail(diagnostics) {
  const formatHost = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => root, getNewLine: () => '\n' };
  process.stderr.write(ts.formatDiagnosticsWithColorAndContext(diagnostics, formatHost));
  process.exit(1);
}

if (config.errors.length > 0) fail(config.errors);
const program = ts.createProgram({ rootNames: config.fileNames, options: config.options });
const diagnostics = ts.getPreEmitDiagnostics(program);
if (diagnostics.length > 0) fail(diagnostics);

const outDir = config.options.outDir;
const emitted = new Set();
let written = 0;
// Declarations keep the sources' `./x.ts` specifiers (rewriteRelativeImportExtensions only
// rewrites JavaScript); consumers resolve `./x.js` to `./x.d.ts`.
const RELATIVE_TS_SPECIFIER = /((?:from|import)\s*\(?\s*)(['"])(\.{1,2}\/[^'"]*?)\.ts\2/g;

const result = program.emit(undefined, (file, data) => {
  emitted.add(file);
  const text = file.endsWith('.d.ts') ? data.replace(RELATIVE_TS_SPECIFIER, '$1$2$3.js$2') : data;
  let current;
  try {
    current = readFileSync(file, 'utf8');
  } catch {
    current = undefined;
  }
  if (current === text) return;
  mkdirSync(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, file);
  written += 1;
});
if (result.diagnostics.length > 0) fail(result.diagnostics);

let removed = 0;
function prune(dir) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) prune(path);
    else if (!emitted.has(path)) {
      rmSync(path, { force: true });
      removed += 1;
    }
  }
}
prune(outDir);
process.stdout.write(
  `@portcullis/resource-server: ${emitted.size} files in ${relative(process.cwd(), outDir) || '.'}/ (${written} written, ${removed} removed)\n`,
);
