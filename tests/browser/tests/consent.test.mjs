// Cookie consent banner (C2.3): shown in Chinese until the visitor chooses, works
// without JavaScript, sets the anonymous id (yz_aid) only for statistics or
// personalization, and passes axe.
import { assert, checkAxe, openPage } from '../lib/helpers.mjs';

const banner = (page) => page.locator('section.consent-banner');
const aidCookie = async (page) =>
  (await page.context().cookies()).find((c) => c.name === 'yz_aid');

export default [
  {
    // C2.3: the banner is shown in zh-CN; "necessary only" hides it and sets no yz_aid.
    name: 'consent: zh-CN banner, "仅必要" hides it and sets no anonymous id',
    async fn({ browser, baseURL }) {
      const page = await openPage(browser, `${baseURL}/`, { locale: 'zh-CN' });
      assert(await banner(page).isVisible(), 'no consent banner on the first visit');
      const heading = await banner(page).getByRole('heading').textContent();
      assert(heading.includes('Cookie'), `banner heading ${JSON.stringify(heading)}`);
      for (const label of ['统计', '个性化', '推广与合作伙伴']) {
        const box = banner(page).getByRole('checkbox', { name: label });
        assert(await box.count() === 1, `no checkbox for ${label}`);
        assert(!(await box.isChecked()), `${label} is pre-ticked`);
      }
      await banner(page).getByRole('checkbox', { name: '统计' }).check();  // ignored by 仅必要
      await Promise.all([page.waitForURL(`${baseURL}/`),
        banner(page).getByRole('button', { name: '仅必要' }).click()]);
      await page.waitForLoadState('load');
      assert(await banner(page).count() === 0, 'banner still shown after choosing');
      assert(!(await aidCookie(page)), 'yz_aid set for "necessary only"');
      await page.goto(`${baseURL}/privacy`);
      assert(await banner(page).count() === 0, 'banner back on the next page');
      await page.context().close();
    },
  },
  {
    // C2.3: choosing statistics sets the random 128-bit anonymous id, SameSite=Lax.
    name: 'consent: statistics sets yz_aid and the settings page shows the choice',
    async fn({ browser, baseURL }) {
      const page = await openPage(browser, `${baseURL}/privacy`, { locale: 'zh-CN' });
      await banner(page).getByRole('checkbox', { name: '统计' }).check();
      await Promise.all([page.waitForURL(`${baseURL}/privacy`),
        banner(page).getByRole('button', { name: '接受所选' }).click()]);
      await page.waitForLoadState('load');
      assert(await banner(page).count() === 0, 'banner still shown after choosing');
      const aid = await aidCookie(page);
      assert(aid && /^[0-9a-f]{32}$/.test(aid.value), `yz_aid is ${JSON.stringify(aid)}`);
      assert(aid.sameSite === 'Lax', `yz_aid SameSite ${aid.sameSite}`);

      // The footer's cookie settings link: the choice can be changed later.
      await page.locator('footer').getByRole('link', { name: 'Cookie 设置' }).click();
      await page.waitForURL(`${baseURL}/privacy/cookies`);
      assert(await page.getByLabel(/^统计/).isChecked(), 'statistics not shown as chosen');
      assert(!(await page.getByLabel(/^个性化/).isChecked()), 'personalization shown as chosen');
      await Promise.all([page.waitForURL(/\/privacy\/cookies\?saved=1$/),
        page.getByRole('button', { name: '仅必要' }).click()]);
      assert(!(await aidCookie(page)), 'yz_aid kept after "necessary only"');
      await page.context().close();
    },
  },
  {
    // C2.3: the banner and the settings page are accessible (axe).
    name: 'consent: banner and /privacy/cookies pass axe',
    async fn({ browser, baseURL }) {
      for (const url of ['/', '/privacy/cookies']) {
        // bypassCSP lets the test inject axe; the page's own CSP forbids inline scripts.
        const page = await openPage(browser, `${baseURL}${url}`, { locale: 'zh-CN', bypassCSP: true });
        if (url === '/') assert(await banner(page).isVisible(), 'no banner to check');
        await checkAxe(page);
        await page.context().close();
      }
    },
  },
];
