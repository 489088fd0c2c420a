// Debian's Chromium driven by playwright-core, and the checks every screen must pass:
// axe (WCAG 2.1 A/AA) without violations, no horizontal scrolling on a phone, no CSP violation
// or uncaught error in the console, and a screenshot as a test artefact.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const screenshotRoot = join(import.meta.dirname, '..', 'screenshots');
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

export function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      // Headless Chromium 156 builds its desktop address-bar UI (hundreds of chrome:// modules)
      // in another process for every new context; on a 2-core machine that competes with the
      // page under test. A phone browser has no such UI, so it is switched off.
      '--disable-features=WebUIOmniboxPopup,WebUIOmniboxAimPopup,WebUIOmniboxFullPopup',
    ],
  });
}

/**
 * A browser context (one "device") plus a page whose console is watched.
 * `problems` collects CSP violations, uncaught exceptions and failed script/style loads.
 */
export async function openDevice(browser, { width, height, locale, name }) {
  const context = await browser.newContext({
    viewport: { width, height },
    deviceScaleFactor: 1,
    isMobile: width < 600,
    hasTouch: width < 600,
    locale,
    timezoneId: 'Europe/Amsterdam',
  });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (msg) => {
    const text = msg.text();
    if (/Content[- ]Security[- ]Policy|Refused to (load|execute|apply|connect|frame)/i.test(text)) {
      problems.push(`CSP: ${text}`);
    }
  });
  page.on('pageerror', (err) => problems.push(`uncaught: ${err.message}`));
  page.on('requestfailed', (req) => {
    if (['script', 'stylesheet', 'font', 'image'].includes(req.resourceType())) {
      problems.push(`failed ${req.resourceType()}: ${req.url()} ${req.failure()?.errorText ?? ''}`);
    }
  });
  const dir = join(screenshotRoot, name);
  mkdirSync(dir, { recursive: true });
  let shot = 0;
  const visited = [];

  /** Checks the screen as it is now and saves a screenshot `NN-label.png`. */
  async function checkScreen(label) {
    await page.waitForLoadState('networkidle');
    // No "loading…" placeholder left.
    await page.waitForFunction(() => !document.querySelector('main [role="status"]')?.textContent?.match(/…$/), null, {
      timeout: 10_000,
    });
    const results = await new AxeBuilder({ page }).withTags(AXE_TAGS).analyze();
    const violations = results.violations.map(
      (v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
    );
    assert.deepEqual(violations, [], `axe violations on ${name}/${label} (${page.url()})`);
    if (width <= 400) {
      const { scrollWidth, innerWidth } = await page.evaluate(() => ({
        scrollWidth: Math.max(document.documentElement.scrollWidth, document.body.scrollWidth),
        innerWidth: window.innerWidth,
      }));
      assert.ok(scrollWidth <= innerWidth, `horizontal scroll on ${name}/${label}: ${scrollWidth} > ${innerWidth}`);
    }
    shot += 1;
    const file = join(dir, `${String(shot).padStart(2, '0')}-${label}.png`);
    await page.screenshot({ path: file, fullPage: true });
    visited.push(label);
    assertNoProblems(label);
    return file;
  }

  function assertNoProblems(label = 'page') {
    assert.deepEqual(problems, [], `console problems on ${name}/${label}`);
  }

  return { context, page, checkScreen, assertNoProblems, problems, visited, dir };
}
