// Accounts in a real browser: register, verify and log in through the zh-CN forms
// (C1.1), the sessions page and revoking (issue 4, sessions), accessibility of the
// account pages in both languages, and a browser that blocks cookies (C2.3).
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import {
  assert, checkAxe, createAccount, loginWithForm, openPage, outboxCode, uniqueLogin,
} from '../lib/helpers.mjs';

const PASSWORD = 'maple-harbour-lamp-58';

// A waitForURL predicate: this path and exactly this query string.
const at = (pathname, search = '') => (u) => u.pathname === pathname && u.search === search;

export default [
  {
    // C1.1: registration through the Chinese forms, ownership proven with the
    // one-time code from the outbox, then login lands on the account page.
    name: 'accounts: register, verify and log in through the zh-CN forms',
    async fn({ browser, baseURL, dataDir }) {
      const login = uniqueLogin('browser-reg');
      const page = await openPage(browser, `${baseURL}/register`, { locale: 'zh-CN' });
      assert(await page.evaluate(() => document.documentElement.lang) === 'zh-CN', 'not zh-CN');
      await page.getByLabel('手机号或电子邮箱', { exact: true }).fill(login);
      await page.getByLabel('密码', { exact: true }).fill(PASSWORD);
      await page.getByLabel('显示名称').fill('陈七');
      await page.getByLabel('出生日期').fill('1991-03-04');
      await page.getByLabel('企业名称（选填）').fill('永州零陵电机');
      await Promise.all([page.waitForURL(at('/verify', '?done=sent')),
        page.getByRole('button', { name: '注册' }).click()]);

      const code = await outboxCode(dataDir, login);
      await page.locator('#login').fill(login);
      await page.getByLabel('验证码').fill(code);
      await Promise.all([page.waitForURL(at('/login', '?done=verified')),
        page.getByRole('button', { name: '验证', exact: true }).click()]);
      const notice = await page.getByRole('status').textContent();
      assert(notice.includes('验证成功'), `no verified notice: ${notice}`);

      await page.locator('#login').fill(login);
      await page.locator('#password').fill(PASSWORD);
      await Promise.all([page.waitForURL(at('/account')),
        page.getByRole('button', { name: '登录', exact: true }).click()]);
      const h1 = await page.locator('h1').textContent();
      assert(h1.includes('我的账户'), `h1 is ${h1}`);
      const record = await page.locator('#registration-record').textContent();
      assert(record.includes(login) && record.includes('陈七'), `record: ${record}`);
      // The session cookie is HttpOnly: page scripts cannot read it.
      const visible = await page.evaluate(() => document.cookie);
      assert(!visible.includes('yz_session'), `session cookie visible to scripts: ${visible}`);
    },
  },
  {
    // Issue 4, sessions: the list shows each session (time, coarse place, browser),
    // revoking another one signs that browser out, "sign out everywhere" ends all.
    name: 'accounts: the sessions page lists sessions and revoking works',
    async fn({ browser, baseURL, dataDir }) {
      const login = await createAccount(baseURL, dataDir, { password: PASSWORD });
      const a = await (await browser.newContext({ locale: 'zh-CN' })).newPage();
      const b = await (await browser.newContext({ locale: 'zh-CN' })).newPage();
      await loginWithForm(a, baseURL, login, PASSWORD);
      await loginWithForm(b, baseURL, login, PASSWORD);

      await a.goto(`${baseURL}/account/sessions`);
      const rows = a.locator('#sessions tbody tr');
      assert(await rows.count() === 2, `want 2 sessions, got ${await rows.count()}`);
      const current = a.locator('#sessions tbody tr', { hasText: '当前浏览器' });
      assert(await current.count() === 1, 'the current session is not marked');
      const text = await rows.first().textContent();
      assert(/127\.0\.0\.0\/24/.test(text), `no coarse place in ${text}`);
      assert(/Chrom/.test(text), `no browser family in ${text}`);

      // Revoke the other browser's session.
      const other = a.locator('#sessions tbody tr').filter({ hasNotText: '当前浏览器' });
      await Promise.all([a.waitForURL(at('/account/sessions', '?done=revoked')),
        other.getByRole('button').click()]);
      assert(await a.locator('#sessions tbody tr').count() === 1, 'revoked session still listed');
      const res = await b.goto(`${baseURL}/account`);
      assert(new URL(b.url()).pathname === '/login', `revoked browser still in: ${b.url()}`);
      assert(res.ok(), 'login page did not load');

      await Promise.all([a.waitForURL(at('/login', '?done=sessions_revoked')),
        a.getByRole('button', { name: '退出所有登录' }).click()]);
      await a.goto(`${baseURL}/account`);
      assert(new URL(a.url()).pathname === '/login', 'still logged in after revoke all');
    },
  },
  ...['zh-CN', 'en'].map((lang) => ({
    // Accessibility: no serious or critical axe-core violation on the account pages.
    name: `accounts: axe finds no serious/critical violation on register, login, account, sessions (${lang})`,
    async fn({ browser, baseURL, dataDir }) {
      const login = await createAccount(baseURL, dataDir, { password: PASSWORD });
      // bypassCSP lets the test inject axe; the pages' CSP forbids inline scripts.
      const context = await browser.newContext({ locale: lang, bypassCSP: true });
      const page = await context.newPage();
      for (const p of ['/register', '/login', '/password-reset', '/report-misuse', '/verify']) {
        await page.goto(`${baseURL}${p}?lang=${lang}`);
        assert(await page.evaluate(() => document.documentElement.lang) === lang, `${p} lang`);
        await checkAxe(page);
      }
      // A page with an error message shown.
      await page.goto(`${baseURL}/login?lang=${lang}`);
      await page.locator('#login').fill(login);
      await page.locator('#password').fill('wrong-password-123');
      await Promise.all([page.waitForLoadState('load'),
        page.locator('form.account-form button[type=submit]').click()]);
      assert(await page.getByRole('alert').count() === 1, 'no error shown for a wrong password');
      await checkAxe(page);

      await loginWithForm(page, baseURL, login, PASSWORD, { lang });
      for (const p of ['/account', '/account/sessions', '/account/password', '/account/security',
        '/account/delete']) {
        await page.goto(`${baseURL}${p}`);
        assert(new URL(page.url()).pathname === p, `${p} redirected to ${page.url()}`);
        assert(await page.evaluate(() => document.documentElement.lang) === lang, `${p} lang`);
        await checkAxe(page);
      }
    },
  })),
  {
    // C2.3: cookies refused. Chromium runs with its own "block all cookies" content
    // setting (the profile preference behind chrome://settings/cookies, which
    // the browser enforces for every request), so nothing here fakes the refusal.
    // The login page says that login needs cookies; home and /privacy still work.
    name: 'accounts: with cookies blocked, /login says login needs cookies; browsing works',
    async fn({ baseURL }) {
      const profile = await mkdtemp(path.join(tmpdir(), 'yzcloud-nocookies-'));
      await mkdir(path.join(profile, 'Default'), { recursive: true });
      await writeFile(path.join(profile, 'Default', 'Preferences'), JSON.stringify({
        profile: { default_content_setting_values: { cookies: 2 } },
      }));
      const context = await chromium.launchPersistentContext(profile, {
        executablePath: process.env.CHROMIUM_BIN || '/usr/bin/chromium',
        headless: true,
        locale: 'zh-CN',
        args: ['--no-sandbox', '--disable-gpu', '--no-first-run',
          '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      });
      try {
        const page = await context.newPage();
        // The browser really refuses: a page cannot set a cookie either.
        await page.goto(`${baseURL}/`);
        // (navigator.cookieEnabled stays true under this setting; a write shows it.)
        const kept = await page.evaluate(() => { document.cookie = 'probe=1'; return document.cookie; });
        assert(kept === '', `document.cookie kept ${JSON.stringify(kept)}: cookies are not blocked`);

        const res = await page.goto(`${baseURL}/login`);
        assert(res.status() === 200, `GET /login: ${res.status()}`);
        const alert = await page.getByRole('alert').textContent();
        assert(alert.includes('登录需要启用 Cookie'), `no cookie message: ${alert}`);
        assert((await context.cookies()).length === 0, 'the browser kept a cookie');

        // Trying anyway: the same message, and no session.
        await page.locator('#login').fill('someone@example.com');
        await page.locator('#password').fill(PASSWORD);
        const [post] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'),
          page.locator('form.account-form button[type=submit]').click()]);
        assert(post.status() === 400, `POST /login: ${post.status()}`);
        await page.waitForLoadState('load');
        assert((await page.getByRole('alert').textContent()).includes('登录需要启用 Cookie'),
          'no cookie message after posting');

        await page.goto(`${baseURL}/login?lang=en`);
        assert((await page.getByRole('alert').textContent()).includes('Login needs cookies'),
          'no English cookie message');

        // Browsing keeps working.
        for (const p of ['/', '/privacy']) {
          const r = await page.goto(`${baseURL}${p}`);
          assert(r.status() === 200, `GET ${p}: ${r.status()}`);
          assert(await page.locator('h1').count() >= 1, `${p} has no heading`);
        }
      } finally {
        await context.close();
        await rm(profile, { recursive: true, force: true });
      }
    },
  },
];
