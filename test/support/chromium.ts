import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { expect } from '@jest/globals';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ROOT } from './processes.ts';

/** Debian's Chromium (CI installs it); browser suites are skipped only where it is missing. */
export const CHROMIUM = '/usr/bin/chromium';
export const describeInChromium = existsSync(CHROMIUM) ? describe : describe.skip;

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: string[] }>;
}

/** Where a suite's screenshots go: `screenshots/<folder>/`, created on first use. */
export async function screenshotFolder(folder: string): Promise<string> {
  const dir = join(ROOT, 'screenshots', folder);
  await mkdir(dir, { recursive: true });
  return dir;
}

/**
 * Screenshots the page wide in light mode and at 390 px in dark mode, and fails on any serious or
 * critical axe-core finding in either (the context must bypass the CSP so that axe can be injected).
 */
export async function look(page: Page, dir: string, name: string): Promise<void> {
  const findings: string[] = [];
  for (const [suffix, width, scheme] of [['', 1000, 'light'], ['-narrow-dark', 390, 'dark']] as const) {
    await page.setViewportSize({ width, height: 760 });
    await page.emulateMedia({ colorScheme: scheme });
    await page.screenshot({ path: join(dir, `${name}${suffix}.png`), fullPage: true });
    await page.addScriptTag({ path: AXE });
    const violations = await page.evaluate(async () => {
      const axe = (globalThis as unknown as { axe: { run(): Promise<{ violations: AxeViolation[] }> } }).axe;
      return (await axe.run()).violations;
    });
    for (const violation of violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')) {
      findings.push(`${name} (${scheme}, ${width}px): ${violation.id} ${violation.help} at ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`);
    }
  }
  await page.setViewportSize({ width: 1000, height: 760 });
  await page.emulateMedia({ colorScheme: 'light' });
  expect(findings).toEqual([]);
}
