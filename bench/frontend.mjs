// Frontend budgets (issue 7), measured on the built SPA served by the release binary:
//  1. initial JavaScript + CSS of the login page, gzip-compressed: <= 150 KiB;
//  2. time to interactive of the login page in Chromium with 4x CPU throttling: <= 1 s, and as a
//     ratio against the same page loaded unthrottled in the same run.
// "Interactive" = the e-mail field is visible and enabled and the page's scripts have finished
// (load event), i.e. the user can type.
//
// Usage: node bench/frontend.mjs   (after npm ci in tests/e2e, npm run build in frontend, and a
// release build; VERZUIM_BIN overrides the binary). Inserts its run into BENCHMARKS.md.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { cpus } from 'node:os';
import { launchBrowser } from '../tests/e2e/support/browser.mjs';
import { startServer, repoRoot, freePort } from '../tests/e2e/support/server.mjs';

const MARKER = '<!-- bench:runs (bench/run.sh inserts each new run below this line) -->';
const RUNS = 5;

const server = await startServer({ smtpPort: await freePort() });
const browser = await launchBrowser();
try {
  // 1. What the login page loads, compressed as it would travel: the assets its HTML names, plus
  //    any script or style the page fetched while becoming interactive (lazy chunks count too).
  const html = await (await fetch(`${server.baseUrl}/login`)).text();
  const assets = new Set([...html.matchAll(/(?:src|href)="(\/assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]));

  // 2. Time to interactive, median of RUNS cold loads, throttled and not.
  async function tti(throttle) {
    const times = [];
    for (let i = 0; i < RUNS; i++) {
      const context = await browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true });
      const page = await context.newPage();
      page.on('request', (request) => {
        const url = new URL(request.url());
        if (url.origin === server.baseUrl && ['script', 'stylesheet'].includes(request.resourceType())) {
          assets.add(url.pathname);
        }
      });
      const cdp = await context.newCDPSession(page);
      await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
      await cdp.send('Emulation.setCPUThrottlingRate', { rate: throttle });
      const started = performance.now();
      await page.goto(`${server.baseUrl}/login`, { waitUntil: 'load' });
      await page.locator('input[type="email"]').first().waitFor({ state: 'visible' });
      await page.waitForFunction(() => {
        const input = document.querySelector('input[type="email"]');
        return input && !input.disabled;
      });
      times.push(performance.now() - started);
      await context.close();
    }
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)];
  }
  const unthrottled = await tti(1);
  const throttled = await tti(4);

  let gzipBytes = 0;
  for (const asset of assets) {
    const body = Buffer.from(await (await fetch(server.baseUrl + asset)).arrayBuffer());
    gzipBytes += gzipSync(body, { level: 9 }).length;
  }

  const kib = gzipBytes / 1024;
  const rows = [
    ['initial JS + CSS of /login, gzip', `${kib.toFixed(1)} KiB (${assets.size} files)`, '—', '≤ 150 KiB', kib <= 150],
    ['login page time to interactive, 4× CPU throttling (median of 5)', `${throttled.toFixed(0)} ms`, '—', '≤ 1000 ms', throttled <= 1000],
    ['… ratio throttled / unthrottled (same run)', `${throttled.toFixed(0)} ms / ${unthrottled.toFixed(0)} ms`, (throttled / unthrottled).toFixed(2), 'informative', true],
  ];
  const when = new Date().toISOString().slice(0, 16).replace('T', ' ');
  const block = [
    `### Frontend budgets — ${when} UTC, ${cpus().length} CPUs`,
    '',
    '`node bench/frontend.mjs`',
    '',
    '| measure | value | ratio | target | verdict |',
    '|---|---|---|---|---|',
    ...rows.map(([m, v, r, t, ok]) => `| ${m} | ${v} | ${r} | ${t} | ${ok ? 'met' : '**missed**'} |`),
    '',
    'Note: served by the release binary on loopback, gzip on (the server compresses the SPA\'s assets); ' +
      'each load in a fresh context with the cache off, a 360×740 phone viewport; Chromium without its ' +
      'desktop omnibox UI (tests/e2e/support/browser.mjs), which headless Chromium 156 otherwise builds ' +
      'in another process during every load.',
    '',
  ].join('\n');
  console.log(block);
  const path = join(repoRoot, 'BENCHMARKS.md');
  let text = existsSync(path) ? readFileSync(path, 'utf8') : `# Benchmarks\n\n${MARKER}\n`;
  if (!text.includes(MARKER)) text += `\n${MARKER}\n`;
  const [head, tail] = [text.slice(0, text.indexOf(MARKER)), text.slice(text.indexOf(MARKER) + MARKER.length)];
  writeFileSync(path, `${head}${MARKER}\n\n${block}${tail}`);
} finally {
  await browser.close();
  await server.stop();
}
