// The official Plausible tracker (@plausible-analytics/tracker from npm, untouched)
// works against yzcloud (C2.1, issue 5 point 3): its text/plain JSON POSTs to
// /api/event are accepted with 202, page views and a custom event arrive in
// GET /api/v1/stats/{site}, bots are counted apart, and counting sets no cookie.
//
// The test page is not part of the product: page.route fulfils only
// /__tracker_test/* (the HTML and the tracker's own plausible.js, read from
// node_modules) on the yzcloud origin; the tracker's POSTs go to the real server.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { assert } from '../lib/helpers.mjs';

const require = createRequire(import.meta.url);
const trackerSource = readFileSync(require.resolve('@plausible-analytics/tracker'), 'utf8');
const GOOGLEBOT = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';

// A page that loads the tracker as a module, as a site bundling it from npm would.
const testPage = (domain) => `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Tracker test</title></head>
<body>
<main>
<h1>Tracker test</h1>
<button id="next" type="button">Next page</button>
<button id="signup" type="button">Sign up</button>
</main>
<script type="module">
import { init, track } from './plausible.js';
init({ domain: ${JSON.stringify(domain)}, endpoint: '/api/event', captureOnLocalhost: true });
document.getElementById('next').addEventListener('click', () =>
  history.pushState({}, '', '/__tracker_test/pricing.html'));
document.getElementById('signup').addEventListener('click', () =>
  track('Signup', { props: { plan: 'free' } }));
</script>
</body>
</html>
`;

// Opens a context whose page on the yzcloud origin serves the test page under
// /__tracker_test/; /api/event and everything else reach the real server.
async function trackerPage(browser, baseURL, domain, contextOptions = {}) {
  const context = await browser.newContext(contextOptions);
  const page = await context.newPage();
  await page.route(`${baseURL}/__tracker_test/**`, (route) => {
    const { pathname } = new URL(route.request().url());
    if (pathname === '/__tracker_test/plausible.js') {
      return route.fulfill({ status: 200, contentType: 'text/javascript; charset=utf-8',
        body: trackerSource });
    }
    if (pathname.endsWith('.html')) {
      return route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8',
        body: testPage(domain) });
    }
    return route.fulfill({ status: 404, contentType: 'text/plain', body: 'not found' });
  });
  // Every event the tracker sends, as sent, with the server's answer.
  const sent = [];
  page.on('request', (req) => {
    if (req.url() === `${baseURL}/api/event`) sent.push({ request: req, body: req.postData() });
  });
  return { context, page, sent };
}

// Resolves with the /api/event response to the first POST (from now on) whose body
// is an event named `name`; register it before the action that sends it. A waiter
// left behind by a failed assertion must not end the runner with an unhandled rejection.
function eventResponse(page, baseURL, name) {
  const waiter = page.waitForResponse((res) => {
    const req = res.request();
    if (res.url() !== `${baseURL}/api/event` || req.method() !== 'POST') return false;
    try { return JSON.parse(req.postData()).n === name; } catch { return false; }
  }, { timeout: 10_000 });
  waiter.catch(() => {});
  return waiter;
}

// The body of a response, if the browser gives it: Chromium may never hand over a
// keepalive fetch's body (the tracker sends with keepalive), so this waits 2 s at most.
async function responseText(res) {
  let timer;
  const late = new Promise((resolve) => { timer = setTimeout(() => resolve('(body unavailable)'), 2000); });
  return Promise.race([res.text().catch((e) => `(body unavailable: ${e.message})`), late])
    .finally(() => clearTimeout(timer));
}

// Sends a failed tracker request again from node, to show the server's answer.
async function replay(req) {
  const headers = await req.allHeaders();
  const res = await fetch(req.url(), { method: 'POST', body: req.postData(), headers: {
    'content-type': headers['content-type'], 'user-agent': headers['user-agent'],
    origin: headers.origin ?? '', referer: headers.referer ?? '' } });
  return `${res.status} ${res.headers.get('content-type')} ${await res.text()}`;
}

// Checks one /api/event exchange: the tracker's wire format and yzcloud's 202.
async function checkExchange(res, { name, domain, baseURL }) {
  const req = res.request();
  const body = req.postData();
  const event = JSON.parse(body);
  assert(event.n === name && event.d === domain && event.v === 36 &&
    String(event.u).startsWith(`${baseURL}/__tracker_test/`),
  `unexpected tracker payload ${body}`);
  const type = await req.headerValue('content-type');
  assert(type === 'text/plain', `tracker sent Content-Type ${type}`);
  if (res.status() !== 202) {
    throw new Error(`POST /api/event ${body} (Content-Type ${type}): status ${res.status()}, ` +
      `want 202; response ${JSON.stringify(await responseText(res))}; ` +
      `the same POST replayed from node: ${await replay(req)}`);
  }
  const setCookie = await res.headerValue('set-cookie');
  assert(setCookie === null, `POST /api/event ${body} answered Set-Cookie: ${setCookie}`);
  return event;
}

async function stats(baseURL, site) {
  const res = await fetch(`${baseURL}/api/v1/stats/${encodeURIComponent(site)}`);
  const text = await res.text();
  assert(res.status === 200, `GET /api/v1/stats/${site}: status ${res.status} ${text}`);
  const body = JSON.parse(text);
  const today = new Date().toISOString().slice(0, 10);
  assert(body.site === site && body.day === today,
    `GET /api/v1/stats/${site}: site/day ${JSON.stringify([body.site, body.day])}, want ` +
    JSON.stringify([site, today]));
  for (const k of ['visitors', 'pageviews', 'bots']) {
    assert(Number.isInteger(body[k]), `stats.${k} is ${JSON.stringify(body[k])} in ${text}`);
  }
  assert(body.events && typeof body.events === 'object', `stats.events missing in ${text}`);
  return body;
}

const aidCookie = async (context) => (await context.cookies()).find((c) => c.name === 'yz_aid');

export default [
  {
    // C2.1 (issue 5 point 3): the untouched npm tracker's page views (load and
    // pushState) and a custom event with props are accepted (202) and counted.
    name: 'plausible: the npm tracker\'s page views and custom event arrive',
    async fn({ browser, baseURL }) {
      const domain = 'tracker-test.example';
      const { context, page, sent } = await trackerPage(browser, baseURL, domain);

      const first = eventResponse(page, baseURL, 'pageview');
      const load = await page.goto(`${baseURL}/__tracker_test/index.html`, { waitUntil: 'load' });
      assert(load && load.status() === 200, 'test page did not load');
      const pv1 = await checkExchange(await first, { name: 'pageview', domain, baseURL });
      assert(pv1.u === `${baseURL}/__tracker_test/index.html` && pv1.r === null,
        `first pageview ${JSON.stringify(pv1)}`);

      // pushState: the tracker sends an engagement event for the first page, then
      // a pageview for the second.
      const engagement = eventResponse(page, baseURL, 'engagement');
      const second = eventResponse(page, baseURL, 'pageview');
      await page.locator('#next').click();
      await checkExchange(await engagement, { name: 'engagement', domain, baseURL });
      const pv2 = await checkExchange(await second, { name: 'pageview', domain, baseURL });
      assert(pv2.u === `${baseURL}/__tracker_test/pricing.html`, `second pageview ${JSON.stringify(pv2)}`);

      const signup = eventResponse(page, baseURL, 'Signup');
      await page.locator('#signup').click();
      const ev = await checkExchange(await signup, { name: 'Signup', domain, baseURL });
      assert(JSON.stringify(ev.p) === '{"plan":"free"}', `Signup props ${JSON.stringify(ev.p)}`);
      // C3.4: the stats show a custom event's name once it counts 5.
      for (let i = 0; i < 4; ++i) {
        const more = eventResponse(page, baseURL, 'Signup');
        await page.locator('#signup').click();
        await checkExchange(await more, { name: 'Signup', domain, baseURL });
      }

      const pageviewsSent = sent.filter((s) => JSON.parse(s.body).n === 'pageview').length;
      assert(pageviewsSent === 2, `tracker sent ${pageviewsSent} pageviews: ` +
        sent.map((s) => s.body).join(' '));
      const s = await stats(baseURL, domain);
      const shown = JSON.stringify(s);
      assert(s.pageviews === 2, `pageviews ${s.pageviews}, want 2: ${shown}`);
      assert(s.events.Signup === 5, `events.Signup ${s.events.Signup}, want 5: ${shown}`);
      // Plausible's engagement events measure time on page; they are neither page
      // views nor custom events.
      assert(!('engagement' in s.events) && !('pageview' in s.events),
        `engagement or pageview counted as a custom event: ${shown}`);
      assert(s.visitors === 1, `visitors ${s.visitors}, want 1: ${shown}`);
      assert(s.bots === 0, `bots ${s.bots}, want 0: ${shown}`);
      await context.close();
    },
  },
  {
    // C2.1: a crawler running the tracker (Googlebot's user agent) is accepted but
    // counted apart: bots, not visitors or page views.
    name: 'plausible: Googlebot\'s tracker events count as bots, not visitors',
    async fn({ browser, baseURL }) {
      const domain = 'tracker-bot.example';
      const { context, page } = await trackerPage(browser, baseURL, domain,
        { userAgent: GOOGLEBOT });
      const pageview = eventResponse(page, baseURL, 'pageview');
      await page.goto(`${baseURL}/__tracker_test/index.html`, { waitUntil: 'load' });
      const res = await pageview;
      assert(await res.request().headerValue('user-agent') === GOOGLEBOT, 'not sent as Googlebot');
      await checkExchange(res, { name: 'pageview', domain, baseURL });

      const s = await stats(baseURL, domain);
      const shown = JSON.stringify(s);
      assert(s.bots >= 1, `bots ${s.bots}, want >= 1: ${shown}`);
      assert(s.pageviews === 0 && s.visitors === 0,
        `Googlebot counted as a visitor: ${shown}`);
      assert(Object.keys(s.events).length === 0, `Googlebot counted in events: ${shown}`);
      await context.close();
    },
  },
  {
    // C2.1, C2.3: without consent yzcloud counts cookieless: tracking sets no
    // anonymous id (yz_aid) and /api/event sets no cookie, yet the visitor is counted.
    name: 'plausible: tracking without consent sets no yz_aid (cookieless)',
    async fn({ browser, baseURL }) {
      const domain = 'tracker-cookieless.example';
      const { context, page, sent } = await trackerPage(browser, baseURL, domain);
      const pageview = eventResponse(page, baseURL, 'pageview');
      await page.goto(`${baseURL}/__tracker_test/index.html`, { waitUntil: 'load' });
      await checkExchange(await pageview, { name: 'pageview', domain, baseURL });
      const signup = eventResponse(page, baseURL, 'Signup');
      await page.locator('#signup').click();
      await checkExchange(await signup, { name: 'Signup', domain, baseURL });

      // checkExchange saw no Set-Cookie on any /api/event answer.
      for (const s of sent) {
        const cookie = await s.request.headerValue('cookie');
        assert(!/\byz_aid=/.test(cookie ?? ''), `tracker POST carried Cookie: ${cookie}`);
      }
      assert(!(await aidCookie(context)), 'yz_aid set by tracking without consent');
      const s = await stats(baseURL, domain);
      // One Signup: below the threshold a name is shown with, so under "(other)" (C3.4).
      assert(s.visitors === 1 && s.pageviews === 1 && s.events['(other)'] === 1,
        `cookieless visit not counted: ${JSON.stringify(s)}`);
      await context.close();
    },
  },
];
