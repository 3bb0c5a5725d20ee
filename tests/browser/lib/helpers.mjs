// Shared helpers for tests/browser/tests/*.test.mjs.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

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

// The code (or guardian link token) of the newest message to `to` in the server's
// outbox file (`<dataDir>/outbox.jsonl`); the server's delivery worker writes it
// after the request has answered, so this waits (up to 10 s) for it to appear.
export async function outboxCode(dataDir, to, { after = 0 } = {}) {
  const file = path.join(dataDir, 'outbox.jsonl');
  for (let i = 0; i < 100; i++) {
    let text = '';
    try { text = readFileSync(file, 'utf8'); } catch { /* not written yet */ }
    const lines = text.split('\n').filter(Boolean).map((l) => JSON.parse(l))
      .filter((m) => m.to === to && m.code && (m.created_at ?? 0) >= after);
    if (lines.length) return lines[lines.length - 1].code;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no outbox message to ${to} in ${file}`);
}

let accountCounter = 0;
// A login (e-mail) no other test uses.
export function uniqueLogin(tag) {
  return `${tag}-${process.pid}-${Date.now()}-${++accountCounter}@example.com`;
}

// Registers and verifies an adult account through the JSON API; returns its login.
export async function createAccount(baseURL, dataDir, { login = uniqueLogin('acct'), password,
  displayName = '测试用户' } = {}) {
  const post = (p, body) => fetch(`${baseURL}${p}`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
  });
  const reg = await post('/api/v1/accounts', {
    login, password, display_name: displayName, birth_date: '1988-08-08',
  });
  assert(reg.status === 201, `register ${login}: ${reg.status} ${await reg.text()}`);
  const code = await outboxCode(dataDir, login);
  const ver = await post('/api/v1/accounts/verify', { login, code });
  assert(ver.status === 200, `verify ${login}: ${ver.status} ${await ver.text()}`);
  return login;
}

// Logs `page` in through the HTML login form; ends on the page login redirects to.
export async function loginWithForm(page, baseURL, login, password, { lang } = {}) {
  await page.goto(`${baseURL}/login${lang ? `?lang=${lang}` : ''}`);
  await page.locator('#login').fill(login);
  await page.locator('#password').fill(password);
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login')),
    page.locator('form.account-form button[type=submit]').click()]);
}
