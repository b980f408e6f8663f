import { copyFileSync, cpSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import type { Cleanups } from './cleanups.ts';
import { ROOT } from './paths.ts';
import { runCommand } from './processes.ts';

export interface Scripts {
  readonly server: string;
  /** The CLI of the same code as the server (seeding). */
  readonly cli: string;
  readonly demoApi: string;
  readonly bareProvider: string;
  readonly bareKoa: string;
}

const BASELINES = ['bare-provider', 'bare-koa'] as const;

/** The private build (as `npm start` runs dist/main.js), or with `--from src` the TypeScript sources. */
export async function prepareScripts(from: 'dist' | 'src', runId: string, cleanups: Cleanups): Promise<Scripts> {
  if (from === 'src') return scriptsIn(ROOT, 'src', 'bench/baselines', 'ts');
  const dir = await buildPrivateDist(runId);
  cleanups.add(() => rmSync(dir, { recursive: true, force: true }));
  return scriptsIn(dir, 'dist', 'baselines', 'js');
}

const scriptsIn = (root: string, server: string, baselines: string, extension: 'ts' | 'js'): Scripts => ({
  server: join(root, server, `main.${extension}`),
  cli: join(root, server, `cli/main.${extension}`),
  demoApi: join(root, server, `demo-api/main.${extension}`),
  bareProvider: join(root, baselines, `bare-provider.${extension}`),
  bareKoa: join(root, baselines, `bare-koa.${extension}`),
});

/**
 * Builds the server the way `npm start` does (the project's own scripts/build.mjs), but into a
 * private folder under bench/.build/, so that a concurrent `npm start` or `npm run build` (which
 * empty dist/) cannot pull files from under a running benchmark, and the benchmark never touches
 * dist/. The folder mirrors the repository layout the code expects (views/, prisma/ and
 * package.json, which the server reads its version from, next to dist/) and sits inside the
 * repository so node_modules resolves as usual. views/ and prisma/ are copied, not linked: with the
 * build they are a snapshot of the tree at the start of the run, so that the server and the CLI
 * that seeds it (dist/cli/main.js) keep agreeing on the code and the migrations while other people
 * edit the working tree during a run.
 */
async function buildPrivateDist(id: string): Promise<string> {
  const dir = join(ROOT, 'bench/.build', id);
  mkdirSync(join(dir, 'scripts'), { recursive: true });
  copyFileSync(join(ROOT, 'scripts/build.mjs'), join(dir, 'scripts/build.mjs'));
  symlinkSync(join(ROOT, 'src'), join(dir, 'src'), 'dir');
  // The build also builds the workspace packages (their dist/ is what the server imports by name).
  symlinkSync(join(ROOT, 'packages'), join(dir, 'packages'), 'dir');
  for (const name of ['views', 'prisma']) cpSync(join(ROOT, name), join(dir, name), { recursive: true });
  copyFileSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  try {
    await runCommand(join(dir, 'scripts/build.mjs'), [], { env: { PATH: process.env.PATH ?? '' }, cwd: dir });
    transpileBaselines(join(dir, 'baselines'));
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return dir;
}

/**
 * The baselines must not carry Node's runtime TypeScript support (~18 MB) when the server does not:
 * transpiled as scripts/build.mjs does it (type-only code vanishes, nothing else changes).
 */
function transpileBaselines(into: string): void {
  mkdirSync(into);
  for (const name of BASELINES) {
    const file = join(ROOT, 'bench/baselines', `${name}.ts`);
    const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), {
      fileName: file,
      compilerOptions: { target: ts.ScriptTarget.ES2023, module: ts.ModuleKind.ESNext, verbatimModuleSyntax: true },
    });
    writeFileSync(join(into, `${name}.js`), outputText);
  }
}
