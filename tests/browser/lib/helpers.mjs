// Shared helpers for tests/browser/tests/*.test.mjs.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export function assert(cond, message) {
  if (!cond) throw new Error(message);
}

// Opens `url` in a fresh context and page; fails unless the response status is `status`.
export async function openPage(browser, url, { status = 200, ...contextOptions } = {}) {
  const context = await browser.newContext(contextOptions);
  const page = await context.newPage();
  const response = await page.goto(url, { waitUntil: 'load' });
  assert(response, `no response for ${url}`);
  assert(response.status() === status, `GET ${url}: status ${response.status()}, want ${status}`);
  return page;
}

// Runs axe-core on the page and throws, listing ids and targets, on any violation whose
// impact is in `impacts`. Returns all violations.
export async function checkAxe(page, { impacts = ['serious', 'critical'] } = {}) {
  await page.addScriptTag({ content: axeSource });
  const violations = await page.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.map((n) => n.target.join(' ')),
    }));
  });
  const bad = violations.filter((v) => impacts.includes(v.impact));
  if (bad.length) {
    throw new Error(`${bad.length} axe violation(s) on ${page.url()}:\n` + bad.map((v) =>
      `${v.id} (${v.impact}: ${v.help}) at ${v.targets.join(', ')}`).join('\n'));
  }
  return violations;
}
