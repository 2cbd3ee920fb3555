// site.mjs — what a reader on a school Chromebook or a phone waits for: the
// site's size (gzip -9, the files a first visit loads, and all of them) and
// the time from navigation to the first drawn panels in headless Chromium on
// localhost, at 1280 px and at 360 px with touch (a phone's viewport).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { startServer } from '../../web/serve.mjs';

const dist = new URL('../../web/dist/', import.meta.url).pathname;
// What index.html fetches before its first drawing (the page, its style, the bundle, the SIMD module).
const FIRST_VISIT = ['index.html', 'page.css', 'favicon.svg', 'normscope.js', 'normscope.wasm'];

function sizes() {
  const files = readdirSync(dist).filter((f) => statSync(`${dist}${f}`).isFile() && !f.endsWith('.map'));
  const rows = files.map((file) => {
    const bytes = readFileSync(`${dist}${file}`);
    return { file, bytes: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
  }).sort((a, b) => b.gzip - a.gzip);
  const checkpoints = readdirSync(`${dist}checkpoints`).map((f) => readFileSync(`${dist}checkpoints/${f}`));
  const sum = (list) => list.reduce((s, r) => s + r.gzip, 0);
  return {
    files: rows,
    first_visit_gzip: sum(rows.filter((r) => FIRST_VISIT.includes(r.file))),
    site_gzip: sum(rows),
    checkpoints: { count: checkpoints.length, bytes: checkpoints.reduce((s, b) => s + b.length, 0),
      gzip: checkpoints.reduce((s, b) => s + gzipSync(b, { level: 9 }).length, 0) },
  };
}

async function firstRender(browser, url, viewport, reps = 7) {
  const times = [];
  for (let i = 0; i < reps; i++) {
    const context = await browser.newContext({ viewport, hasTouch: viewport.width < 500, isMobile: viewport.width < 500 });
    const page = await context.newPage();
    await page.goto(url);
    await page.waitForFunction(() => performance.getEntriesByName('normscope:first-render').length > 0);
    times.push(await page.evaluate(() => performance.getEntriesByName('normscope:first-render')[0].startTime));
    await context.close();
  }
  times.sort((a, b) => a - b);
  return { median_ms: times[reps >> 1], q1_ms: times[reps >> 2], q3_ms: times[(3 * reps) >> 2] };
}

export async function benchSite(log = () => {}) {
  const server = await startServer(dist);
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--disable-gpu'] });
  try {
    log('site: sizes, first render at 1280 px and 360 px');
    return {
      ...sizes(),
      first_render_1280: await firstRender(browser, `${server.url}index.html`, { width: 1280, height: 900 }),
      first_render_360: await firstRender(browser, `${server.url}index.html`, { width: 360, height: 740 }),
    };
  } finally {
    await browser.close();
    await server.close();
  }
}
