// browser.mjs — the suite in headless Chromium (Debian's, via playwright-core).
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { chromium } from 'playwright-core';
import { startServer } from '../../web/serve.mjs';

const root = new URL('../../', import.meta.url).pathname;
const out = `${root}build/bench/web/`;

export async function benchBrowser(options = {}) {
  mkdirSync(`${out}tfjs`, { recursive: true });
  execFileSync(`${root}node_modules/.bin/esbuild`, [`${root}tests/bench/browser-entry.mjs`, '--bundle', '--format=esm',
    '--platform=browser', '--target=es2022', '--log-level=error', `--outfile=${out}bench.js`,
    '--external:fs', '--external:path', '--external:worker_threads', '--external:perf_hooks', '--external:os',
    '--external:node:*']);
  cpSync(`${root}web/dist/normscope.wasm`, `${out}normscope.wasm`);
  cpSync(`${root}web/dist/normscope-scalar.wasm`, `${out}normscope-scalar.wasm`);
  for (const f of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'])
    cpSync(`${root}node_modules/@tensorflow/tfjs-backend-wasm/dist/${f}`, `${out}tfjs/${f}`);
  writeFileSync(`${out}index.html`, '<!doctype html><link rel="icon" href="data:,"><script type="module" src="bench.js"></script>');
  const server = await startServer(out);
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  try {
    const page = await browser.newPage();
    page.on('console', (m) => console.error(`  [chromium] ${m.text()}`));
    page.setDefaultTimeout(0);
    await page.goto(`${server.url}index.html`);
    await page.waitForFunction(() => typeof window.runBench === 'function');
    return await page.evaluate((o) => window.runBench(o), options);
  } finally {
    await browser.close();
    await server.close();
  }
}
