import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import ts from 'typescript';
import { runCommand } from './processes.ts';

export interface PrivateBuild {
  /** Directory holding main.js, demo-api/main.js, ... */
  readonly dist: string;
  /** JavaScript copies of the baseline servers (bench/targets/*.ts), so they run like the server. */
  readonly targets: string;
  remove(): void;
}

/**
 * Builds the server the way `npm start` does (the project's own scripts/build.mjs), but into a
 * private folder under bench/.build/, so that a concurrent `npm start` or `npm run build` (which
 * empty dist/) cannot pull files from under a running benchmark, and the benchmark never touches
 * dist/. The folder mirrors the repository layout the code expects (src/, views/, prisma/ as
 * symlinks next to dist/) and sits inside the repository so node_modules resolves as usual.
 * Returns undefined when the project has no build script (then the sources are run directly).
 */
export async function buildPrivateDist(root: string, id: string, targetSources: readonly string[]): Promise<PrivateBuild | undefined> {
  const script = join(root, 'scripts/build.mjs');
  if (!existsSync(script)) return undefined;
  const dir = join(root, 'bench/.build', id);
  mkdirSync(join(dir, 'scripts'), { recursive: true });
  copyFileSync(script, join(dir, 'scripts/build.mjs'));
  for (const name of ['src', 'views', 'prisma']) {
    if (existsSync(join(root, name))) symlinkSync(join(root, name), join(dir, name), 'dir');
  }
  const remove = () => rmSync(dir, { recursive: true, force: true });
  try {
    await runCommand(join(dir, 'scripts/build.mjs'), [], { env: { PATH: process.env.PATH ?? '' }, cwd: dir });
    // The baselines must not carry Node's runtime TypeScript support (~18 MB) when the server does not.
    mkdirSync(join(dir, 'targets'));
    for (const file of targetSources) {
      // Transpiled like scripts/build.mjs does it (type-only imports vanish, nothing else changes).
      const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), {
        fileName: file,
        compilerOptions: { target: ts.ScriptTarget.ES2023, module: ts.ModuleKind.ESNext, verbatimModuleSyntax: true },
      });
      writeFileSync(join(dir, 'targets', basename(file).replace(/\.ts$/, '.js')), outputText);
    }
  } catch (error) {
    remove();
    throw error;
  }
  return { dist: join(dir, 'dist'), targets: join(dir, 'targets'), remove };
}
