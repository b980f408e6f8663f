import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

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

/**
 * Where a V8 CPU profile (node --cpu-prof) spent its time: self time by package or source folder,
 * the hottest functions by self time, and Portcullis's own functions by inclusive time (synchronous
 * stacks only: time spent awaiting PostgreSQL or Redis shows up under those clients' packages).
 */
export function summarizeProfiles(files: readonly string[], options: SummaryOptions): string {
  const self = new Map<string, number>();
  const selfByGroup = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const file of files) {
    const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
    const byId = new Map(profile.nodes.map((node) => [node.id, node]));
    const parent = new Map<number, number>();
    for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
    const keyOf = new Map<number, string>();
    const groupOf = new Map<number, string>();
    for (const node of profile.nodes) {
      keyOf.set(node.id, functionKey(node, options.root));
      groupOf.set(node.id, groupKey(node, options.root));
    }
    profile.samples.forEach((id, i) => {
      const delta = (profile.timeDeltas[i] ?? 0) / 1000;
      const node = byId.get(id);
      if (!node) return;
      total += delta;
      if (node.callFrame.functionName === '(idle)') {
        idle += delta;
        return;
      }
      const key = keyOf.get(id)!;
      self.set(key, (self.get(key) ?? 0) + delta);
      const group = groupOf.get(id)!;
      selfByGroup.set(group, (selfByGroup.get(group) ?? 0) + delta);
      const seen = new Set<string>();
      for (let cursor: number | undefined = id; cursor !== undefined; cursor = parent.get(cursor)) {
        const frameKey = keyOf.get(cursor)!;
        if (!isOwnCode(frameKey) || seen.has(frameKey)) continue;
        seen.add(frameKey);
        inclusive.set(frameKey, (inclusive.get(frameKey) ?? 0) + delta);
      }
    });
  }
  const busy = total - idle;
  const top = options.top ?? 20;
  const percent = (ms: number) => `${((100 * ms) / busy).toFixed(1).padStart(5)}%`;
  const list = (entries: Map<string, number>, count: number) =>
    [...entries]
      .sort((a, b) => b[1] - a[1])
      .slice(0, count)
      .map(([key, ms]) => `  ${percent(ms)}  ${ms.toFixed(0).padStart(7)} ms  ${key}`)
      .join('\n');
  return [
    `profiled ${(total / 1000).toFixed(1)} s, busy ${(busy / 1000).toFixed(1)} s (${((100 * busy) / total).toFixed(0)}%); percentages are of busy time`,
    'self time by package / folder:',
    list(selfByGroup, top),
    'hottest functions (self time):',
    list(self, top),
    'Portcullis functions (inclusive time, synchronous part):',
    list(inclusive, top),
  ].join('\n');
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
