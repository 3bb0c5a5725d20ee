// Privacy notice /privacy: generated from the data inventory, zh-CN by default and
// English on request, accessible in both, and reachable from the home page footer.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { assert, checkAxe, openPage } from '../lib/helpers.mjs';

export default [
  {
    // C6.1: the notice is published on the site, Chinese for a Chinese browser.
    name: 'privacy: /privacy is zh-CN with one table row per inventory field',
    async fn({ browser, baseURL }) {
      const page = await openPage(browser, `${baseURL}/privacy`, { locale: 'zh-CN' });
      const lang = await page.evaluate(() => document.documentElement.getAttribute('lang'));
      assert(lang === 'zh-CN', `<html lang> is ${JSON.stringify(lang)}, want "zh-CN"`);
      const h1 = (await page.locator('h1').allTextContents()).join(' ');
      assert(h1.includes('隐私声明'), `<h1> is ${JSON.stringify(h1)}, want 隐私声明`);
      // C2.2: device data such as the IMEI is declared in the notice.
      const imei = page.locator('tr.field', { hasText: '设备 IMEI 号' });
      assert(await imei.count() === 1, 'no table row for the IMEI field');
      assert(await page.locator('tr.field').count() > 20, 'too few field rows');
      // C3.5: six disclosure bases.
      const bases = await page.locator('ol.disclosure-bases > li').count();
      assert(bases === 6, `${bases} disclosure bases listed, want 6`);
      const footer = await page.locator('.generated').textContent();
      assert(/sha256 [0-9a-f]{64}/.test(footer), `no sha256 in ${JSON.stringify(footer)}`);
    },
  },
  {
    // C6.1: the English notice, via ?lang=en.
    name: 'privacy: /privacy?lang=en is English',
    async fn({ browser, baseURL }) {
      const page = await openPage(browser, `${baseURL}/privacy?lang=en`, { locale: 'zh-CN' });
      const lang = await page.evaluate(() => document.documentElement.getAttribute('lang'));
      assert(lang === 'en', `<html lang> is ${JSON.stringify(lang)}, want "en"`);
      const text = await page.locator('main').textContent();
      assert(text.includes('Device IMEI'), 'English IMEI description missing');
      assert(text.includes('account life + 30 days'), 'readable English retention missing');
    },
  },
  {
    // C6.1 notice reachable: following the home page footer link opens the notice.
    name: 'privacy: the home page footer link navigates to /privacy',
    async fn({ browser, baseURL }) {
      const page = await openPage(browser, `${baseURL}/`, { locale: 'zh-CN' });
      const link = page.locator('footer a[href="/privacy"]').first();
      assert(await link.isVisible(), 'no visible /privacy link in the footer');
      const [response] = await Promise.all([
        page.waitForNavigation({ waitUntil: 'load' }),
        link.click(),
      ]);
      assert(response && response.status() === 200, `navigation status ${response && response.status()}`);
      assert(new URL(page.url()).pathname === '/privacy', `landed on ${page.url()}`);
      const h1 = (await page.locator('h1').allTextContents()).join(' ');
      assert(h1.includes('隐私声明'), `<h1> is ${JSON.stringify(h1)} after following the link`);
    },
  },
  {
    // C6.1: every published version is listed, in both languages, and the list
    // (with its compare form) is accessible.
    name: 'privacy: /privacy/versions lists the published versions and passes axe (zh-CN, en)',
    async fn({ browser, baseURL }) {
      for (const [lang, url, heading] of [['zh-CN', '/privacy/versions', '隐私声明历次版本'],
        ['en', '/privacy/versions?lang=en', 'Published versions of the privacy notice']]) {
        const page = await openPage(browser, `${baseURL}${url}`, { locale: 'zh-CN', bypassCSP: true });
        const htmlLang = await page.evaluate(() => document.documentElement.getAttribute('lang'));
        assert(htmlLang === lang, `<html lang> is ${JSON.stringify(htmlLang)}, want ${lang}`);
        const h1 = (await page.locator('h1').allTextContents()).join(' ');
        assert(h1.includes(heading), `<h1> is ${JSON.stringify(h1)}, want ${heading}`);
        const rows = await page.locator('tr.version').count();
        assert(rows >= 1, 'no published version listed');
        const hash = await page.locator('tr.version code.sha256').first().textContent();
        assert(/^[0-9a-f]{64}$/.test(hash), `no sha256 in ${JSON.stringify(hash)}`);
        await checkAxe(page);
      }
    },
  },
  {
    // C6.1: after a revision is published, the compare form shows what changed, and
    // the diff page is accessible in both languages.
    name: 'privacy: a published revision is compared from /privacy/versions and passes axe',
    async fn({ browser, baseURL, dataDir }) {
      const inventory = readFileSync(new URL('../../../policy/inventory.toml', import.meta.url), 'utf8');
      const revised = path.join(dataDir, 'revised-inventory.toml');
      writeFileSync(revised, inventory.replace('retention = "7d"', 'retention = "14d"'));
      execFileSync(process.env.YZCLOUD_BIN, ['policy', 'publish', revised, '--data-dir', dataDir]);

      const page = await openPage(browser, `${baseURL}/privacy/versions?lang=en`, { bypassCSP: true });
      await checkAxe(page);
      await Promise.all([
        page.waitForNavigation({ waitUntil: 'load' }),
        page.locator('form.compare button[type="submit"]').click(),
      ]);
      const url = new URL(page.url());
      assert(/^\/privacy\/versions\/\d+\/diff\/\d+$/.test(url.pathname), `landed on ${page.url()}`);
      const change = page.locator('tr.change[data-attribute="retention"]');
      assert(await change.count() === 1, 'the retention change is not listed');
      assert((await change.locator('td.after').textContent()) === '14d', 'new retention not shown');
      await checkAxe(page);
      const zh = await openPage(browser, `${baseURL}${url.pathname}`, { locale: 'zh-CN', bypassCSP: true });
      await checkAxe(zh);
    },
  },
  ...[['zh-CN', '/privacy'], ['en', '/privacy?lang=en']].map(([lang, url]) => ({
    // Accessibility: no serious or critical axe-core violation on the notice.
    name: `privacy: axe finds no serious/critical violation (${lang})`,
    async fn({ browser, baseURL }) {
      // bypassCSP lets the test inject axe; the page's own CSP forbids inline scripts.
      const page = await openPage(browser, `${baseURL}${url}`, { locale: 'zh-CN', bypassCSP: true });
      await checkAxe(page);
    },
  })),
];
