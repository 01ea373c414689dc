import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';

/** Debian's Chromium: the real browser the browser tests drive. */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * Launches Debian's headless Chromium through playwright-core, quiet (no network chatter, no
 * GPU). Throws, with the install command, when it is missing: the browser tests never skip.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: the browser tests need a real browser; install Debian's Chromium (apt-get install -y chromium)`,
    );
  }
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}
