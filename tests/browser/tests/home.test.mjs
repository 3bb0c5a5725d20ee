// Home page: the issue 2 foundation (zh-CN by default, English via ?lang=en), its
// footer's privacy notice link, and accessibility of both language versions.
import { assert, checkAxe, openPage } from '../lib/helpers.mjs';

export default [
  {
    // Issue 2 foundation: home page `/` is the Chinese portal page.
    // C6.1 notice reachable: the footer links to /privacy.
    name: 'home: / is zh-CN, titled 永州工业云, footer links to /privacy',
    async fn({ browser, baseURL }) {
      // A browser set to Chinese; English browsers get English (Accept-Language).
      const page = await openPage(browser, `${baseURL}/`, { locale: 'zh-CN' });
      const title = await page.title();
      const h1 = (await page.locator('h1').allTextContents()).join(' ');
      assert(title.includes('永州工业云') || h1.includes('永州工业云'),
        `neither <title> (${JSON.stringify(title)}) nor <h1> (${JSON.stringify(h1)}) contains 永州工业云`);
      const lang = await page.evaluate(() => document.documentElement.getAttribute('lang'));
      assert(lang === 'zh-CN', `<html lang> is ${JSON.stringify(lang)}, want "zh-CN"`);

      // C6.1 notice reachable
      const links = page.locator('footer a[href], [role="contentinfo"] a[href]');
      let found = false;
      for (let i = 0; i < await links.count(); i++) {
        const link = links.nth(i);
        const href = await link.getAttribute('href');
        if (new URL(href, page.url()).pathname === '/privacy' && await link.isVisible()) {
          found = true;
          break;
        }
      }
      assert(found, 'no visible link to /privacy in the page footer');
    },
  },
  {
    // Issue 2 foundation: `/?lang=en` serves the English home page.
    name: 'home: /?lang=en is lang="en"',
    async fn({ browser, baseURL }) {
      const page = await openPage(browser, `${baseURL}/?lang=en`);
      const lang = await page.evaluate(() => document.documentElement.getAttribute('lang'));
      assert(lang === 'en', `<html lang> is ${JSON.stringify(lang)}, want "en"`);
    },
  },
  {
    // Issue 2 foundation: an English-speaking browser gets English from Accept-Language.
    name: 'home: an en-US browser gets the English page',
    async fn({ browser, baseURL }) {
      const page = await openPage(browser, `${baseURL}/`, { locale: 'en-US' });
      const lang = await page.evaluate(() => document.documentElement.getAttribute('lang'));
      assert(lang === 'en', `<html lang> is ${JSON.stringify(lang)}, want "en"`);
    },
  },
  ...[['zh-CN', '/'], ['en', '/?lang=en']].map(([lang, url]) => ({
    // Accessibility: no serious or critical axe-core violation on the home page.
    name: `home: axe finds no serious/critical violation (${lang})`,
    async fn({ browser, baseURL }) {
      // bypassCSP lets the test inject axe; the page's own CSP forbids inline scripts.
      const page = await openPage(browser, `${baseURL}${url}`, { locale: 'zh-CN', bypassCSP: true });
      await checkAxe(page);
    },
  })),
];
