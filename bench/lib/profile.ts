import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT } from './paths.ts';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface SummaryOptions {
  /** Repository root, to print paths relative to it. */
  readonly root: string;
  readonly top?: number;
}

/** Milliseconds of samples, by function, by package or folder, and inclusive for Portcullis's own code. */
interface Times {
  total: number;
  idle: number;
  readonly self: Map<string, number>;
  readonly selfByGroup: Map<string, number>;
  readonly inclusive: Map<string, number>;
}

/**
 * Where a V8 CPU profile (node --cpu-prof) spent its time: self time by package or source folder,
 * the hottest functions by self time, and Portcullis's own functions by inclusive time (synchronous
 * stacks only: time spent awaiting PostgreSQL or Redis shows up under those clients' packages).
 */
export function summarizeProfiles(files: readonly string[], options: SummaryOptions): string {
  const times: Times = { total: 0, idle: 0, self: new Map(), selfByGroup: new Map(), inclusive: new Map() };
  for (const file of files) addProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, options.root, times);
  const busy = times.total - times.idle;
  const top = options.top ?? 20;
  const list = (entries: Map<string, number>) =>
    [...entries]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([key, ms]) => `  ${((100 * ms) / busy).toFixed(1).padStart(5)}%  ${ms.toFixed(0).padStart(7)} ms  ${key}`)
      .join('\n');
  return [
    `profiled ${(times.total / 1000).toFixed(1)} s, busy ${(busy / 1000).toFixed(1)} s (${((100 * busy) / times.total).toFixed(0)}%); percentages are of busy time`,
    'self time by package / folder:',
    list(times.selfByGroup),
    'hottest functions (self time):',
    list(times.self),
    'Portcullis functions (inclusive time, synchronous part):',
    list(times.inclusive),
  ].join('\n');
}

function addProfile(profile: CpuProfile, root: string, times: Times): void {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const keyOf = new Map(profile.nodes.map((node) => [node.id, functionKey(node, root)]));
  const groupOf = new Map(profile.nodes.map((node) => [node.id, groupKey(node, root)]));
  profile.samples.forEach((id, i) => {
    const delta = (profile.timeDeltas[i] ?? 0) / 1000;
    const node = byId.get(id);
    if (!node) return;
    times.total += delta;
    if (node.callFrame.functionName === '(idle)') {
      times.idle += delta;
      return;
    }
    add(times.self, keyOf.get(id)!, delta);
    add(times.selfByGroup, groupOf.get(id)!, delta);
    const ownFrames = new Set<string>();
    for (let cursor: number | undefined = id; cursor !== undefined; cursor = parent.get(cursor)) {
      const frameKey = keyOf.get(cursor)!;
      if (isOwnCode(frameKey)) ownFrames.add(frameKey);
    }
    for (const frameKey of ownFrames) add(times.inclusive, frameKey, delta);
  });
}

const add = (totals: Map<string, number>, key: string, ms: number) => totals.set(key, (totals.get(key) ?? 0) + ms);

/** Prints a summary of every profile the targets wrote under `profileDir` (--profile). */
export function printRunProfiles(profileDir: string, targets: Iterable<{ id: string; label: string }>): void {
  for (const target of targets) {
    const dir = join(profileDir, target.id);
    for (const file of listOrNothing(dir).filter((name) => name.endsWith('.cpuprofile'))) {
      process.stdout.write(
        `\nCPU profile of ${target.label}: ${join(dir, file)}\n${summarizeProfiles([join(dir, file)], { root: ROOT })}\n`,
      );
    }
  }
}

function listOrNothing(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function displayPath(url: string, root: string): string {
  if (!url) return '';
  let path = url;
  if (url.startsWith('file://')) {
    try {
      path = fileURLToPath(url);
    } catch {
      return url;
    }
  }
  const shown = path.startsWith('/') ? relative(root, path) : path;
  // The benchmark's private build (bench/.build/<run>/dist/...) is the project's dist/.
  return shown.replace(/^bench\/\.build\/[^/]+\//, '');
}

/** Portcullis's own code: src/ (run from source) or dist/ (the build). */
const isOwnCode = (key: string): boolean => / (src|dist)\//.test(key);

function functionKey(node: ProfileNode, root: string): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const path = displayPath(url, root);
  return `${functionName || '(anonymous)'} ${path ? `${path}:${lineNumber + 1}` : ''}`.trim();
}

function groupKey(node: ProfileNode, root: string): string {
  const { functionName, url } = node.callFrame;
  if (!url) return functionName.startsWith('(') ? functionName : '(native / V8 builtins)';
  if (url.startsWith('node:')) return 'node: core';
  const path = displayPath(url, root);
  const modules = path.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const rest = path.slice(modules + 'node_modules/'.length).split('/');
    return `node_modules/${rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  if (path.startsWith('src/') || path.startsWith('dist/')) return path.split('/').slice(0, 2).join('/');
  return path;
}
