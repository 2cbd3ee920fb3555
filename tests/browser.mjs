// browser.mjs — the browser tests' shared setup: web/dist served on a free
// port (with the strict CSP serve.mjs always sends) and headless Chromium;
// open() gives a page that records every problem a learner could hit.
import { chromium } from 'playwright-core';
import { startServer } from '../web/serve.mjs';
import { root } from './helpers.mjs';

export async function startBrowser() {
  const server = await startServer(`${root}web/dist`);
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });

  /** A page that records console errors, CSP refusals and every request that leaves the site. */
  async function open(path, { width = 1280, scope = true } = {}) {
    const page = await browser.newPage({ viewport: { width, height: 900 } });
    const problems = [];
    page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('dialog', (d) => { problems.push(`dialog: ${d.message()}`); d.dismiss(); });
    await page.exposeFunction('reportViolation', (v) => problems.push(`CSP blocked ${v}`));
    await page.addInitScript(() => document.addEventListener('securitypolicyviolation',
      (e) => window.reportViolation(`${e.violatedDirective}: ${e.blockedURI || 'inline'} at ${e.sourceFile}:${e.lineNumber}`)));
    page.on('request', (r) => {
      const url = r.url();
      if (!url.startsWith(server.url) && !url.startsWith('data:') && !url.startsWith('blob:')) problems.push(`off-site request: ${url}`);
    });
    await page.goto(`${server.url}${path}`);
    if (!scope) return { page, problems };  // a page without a <norm-scope> of its own (lesson.html)
    await page.locator('norm-scope section.panel:not([hidden])').first().waitFor();
    await page.waitForFunction(() => document.querySelector('norm-scope')?.runs);
    return { page, problems };
  }

  const close = async () => {
    await browser.close();
    await server.close();
  };
  return { server, browser, open, close };
}
