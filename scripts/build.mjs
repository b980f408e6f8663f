// Transpiles src/ (type stripping ahead of time) so a process starts without Node's runtime
// TypeScript support, which costs about 18 MB of resident memory. Types are checked by
// `npm run typecheck`, not here.
//   node scripts/build.mjs [folder]     (default: dist)
// Each entry point builds into a folder of its own (`npm start`: dist/, `npm run start:api`:
// dist-demo-api/), so building one never empties the folder another running process loads its
// modules from. The folder sits directly in the project folder: the built code finds views/,
// prisma/ and package.json one level up, as the sources do. The workspace packages (packages/*),
// which the built code imports by name, are built first, into their own dist/.
import { spawnSync } from 'node:child_process';
import { mkdir, readdir, rm, writeFile, readFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';

const root = new URL('..', import.meta.url).pathname;
const src = join(root, 'src');
const [folder = 'dist', ...extra] = process.argv.slice(2);
if (extra.length > 0 || !/^dist(-[a-z0-9-]+)?$/.test(folder)) {
  process.stderr.write(
    `usage: node scripts/build.mjs [folder]  (folder: "dist" or "dist-<name>", in the project folder; got ${process.argv.slice(2).join(' ')})\n`,
  );
  process.exit(2);
}
const out = join(root, folder);

async function* tsFiles(dir) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* tsFiles(path);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) yield path;
  }
}

const compilerOptions = {
  target: ts.ScriptTarget.ES2023,
  module: ts.ModuleKind.ESNext,
  verbatimModuleSyntax: true,
  rewriteRelativeImportExtensions: true,
  sourceMap: false,
};

// The built code imports the workspace packages (packages/*) by name, from their own dist/:
// build them first (each build only rewrites what changed).
for (const entry of await readdir(join(root, 'packages'), { withFileTypes: true })) {
  if (!entry.isDirectory()) continue;
  const built = spawnSync(process.execPath, [join(root, 'packages', entry.name, 'scripts', 'build.mjs')], { stdio: 'inherit' });
  if (built.status !== 0) process.exit(built.status ?? 1);
}

await rm(out, { recursive: true, force: true });
let count = 0;
for await (const file of tsFiles(src)) {
  const { outputText } = ts.transpileModule(await readFile(file, 'utf8'), { compilerOptions, fileName: file });
  const target = join(out, relative(src, file)).replace(/\.ts$/, '.js');
  await mkdir(dirname(target), { recursive: true });
  await writeFile(target, outputText);
  count += 1;
}
process.stdout.write(`built ${count} files into ${folder}/\n`);
