#!/usr/bin/env python3
"""Writes a realistic nginx/Apache combined-format access log for benchmark (c).

    bench/import_log/gen_log.py OUT [--lines 1000000] [--seed 5] [--days 3]

The log covers the `--days` days that end now, in time order, in China's time zone
(+0800), as nginx on a Yongzhou server writes it:
  - a few thousand clients, IPv4 and IPv6 (about 1 in 6), with a heavy-tailed
    share of the traffic (a few clients make many requests, most make a few);
  - a few hundred real user agents: the common desktop and mobile browsers of
    mainland China and elsewhere, the common crawlers (Baiduspider, Googlebot,
    bingbot, YisouSpider...) and scripts (curl, python-requests), plus a long tail
    sampled from uap-core's own test agents when Debian's uap-core is installed;
  - the paths of a portal: pages, news, product pages, searches and API calls with
    query strings (some carrying tokens the importer must redact), static assets,
    and the probes scanners send (wp-login.php, .env);
  - statuses, sizes and referrers (none, search engines, the site itself, WeChat).
The same seed gives the same file, apart from the times (which end now).
"""

import argparse
import bisect
import itertools
import os
import random
import time

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

# (weight, agent): weights are rough shares of requests on a Chinese portal.
COMMON_AGENTS = [
    (14, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"),
    (8, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Safari/537.36 Edg/119.0.2151.97"),
    (6, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/108.0.0.0 Safari/537.36 QIHU 360SE"),
    (4, "Mozilla/5.0 (Windows NT 6.1; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/86.0.4240.198 Safari/537.36"),
    (3, "Mozilla/5.0 (Windows NT 10.0; WOW64; Trident/7.0; rv:11.0) like Gecko"),
    (3, "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0"),
    (3, "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15"),
    (3, "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"),
    (2, "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"),
    (9, "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1.2 Mobile/15E148 Safari/604.1"),
    (6, "Mozilla/5.0 (iPhone; CPU iPhone OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.43(0x18002b2c) NetType/WIFI Language/zh_CN"),
    (5, "Mozilla/5.0 (Linux; Android 13; V2227A Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/107.0.5304.141 Mobile Safari/537.36 XWEB/5023 MMWEBSDK/20230701 MMWEBID/1234 MicroMessenger/8.0.40.2420(0x28002851) WeChat/arm64 Weixin NetType/4G Language/zh_CN ABI/arm64"),
    (4, "Mozilla/5.0 (Linux; U; Android 12; zh-cn; M2012K11AC Build/SKQ1.211006.001) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/100.0.4896.127 Mobile Safari/537.36 XiaoMi/MiuiBrowser/17.7.100203"),
    (4, "Mozilla/5.0 (Linux; Android 10; HarmonyOS; NOH-AN00; HMSCore 6.12.0.302) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/99.0.4844.88 HuaweiBrowser/14.0.2.311 Mobile Safari/537.36"),
    (3, "Mozilla/5.0 (Linux; Android 13; SM-S9180) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.144 Mobile Safari/537.36"),
    (3, "Mozilla/5.0 (Linux; U; Android 11; zh-CN; PEGM00 Build/RKQ1.200903.002) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/78.0.3904.108 UCBrowser/15.5.2.1222 Mobile Safari/537.36"),
    (2, "Mozilla/5.0 (Linux; Android 12; PFTM10 Build/SKQ1.210216.001; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/97.0.4692.98 Mobile Safari/537.36 T7/13.43 SP-engine/2.81.0 baiduboxapp/13.43.0.10 (Baidu; P1 12) NABar/1.0"),
    (2, "Mozilla/5.0 (Linux; U; Android 13; zh-cn; 22081212C Build/TKQ1.220829.002) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/100.0.4896.58 Quark/6.8.5.360 Mobile Safari/537.36"),
    (2, "Mozilla/5.0 (iPad; CPU OS 16_7_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1"),
    (1, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/112.0.0.0 Safari/537.36 DingTalk(7.0.40-Windows-x64-27) nw Channel/201200"),
    (4, "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)"),
    (2, "Mozilla/5.0 (Linux;u;Android 4.2.2;zh-cn;) AppleWebKit/534.46 (KHTML,like Gecko) Version/5.1 Mobile Safari/10600.6.3 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)"),
    (2, "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"),
    (1, "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.6045.199 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"),
    (1, "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm) Chrome/116.0.1938.76 Safari/537.36"),
    (1, "Mozilla/5.0 (Windows NT 6.1; Win64; x64; rv:109.0) Gecko/20100101 Firefox/115.0 YisouSpider/5.0 Safari/537.36"),
    (1, "Sogou web spider/4.0(+http://www.sogou.com/docs/help/webmasters.htm#07)"),
    (1, "Mozilla/5.0 (compatible; Bytespider; spider-feedback@bytedance.com) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/70.0.0.0 Safari/537.36"),
    (1, "Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)"),
    (1, "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)"),
    (1, "curl/7.88.1"),
    (1, "python-requests/2.31.0"),
    (1, "Go-http-client/1.1"),
    (1, "Apache-HttpClient/4.5.13 (Java/1.8.0_372)"),
    (1, "okhttp/4.9.3"),
    (1, "-"),
    # A real oddity: an agent with quotes, which nginx and Apache escape as \".
    (1, 'Mozilla/5.0 (Windows NT 10.0) \\"Trident\\" Browser/1.0'),
]

PAGES = [
    (30, "/"), (8, "/zh-CN/"), (2, "/en/"), (6, "/news/"), (5, "/products/"), (3, "/about/"),
    (3, "/contact/"), (2, "/policy/privacy"), (2, "/login"), (2, "/register"), (2, "/account"),
    (1, "/jobs/"), (1, "/parks/"), (1, "/services/cloud-hosting"), (1, "/services/iot-platform"),
]
ASSETS = [
    "/static/css/app.css?v=3f9a1c2", "/static/js/app.js?v=3f9a1c2", "/static/js/vendor.js?v=88d01e",
    "/static/img/logo.svg", "/static/img/banner-1.jpg", "/static/img/banner-2.jpg",
    "/static/fonts/NotoSansSC-Regular.woff2", "/favicon.ico",
]
PROBES = [
    "/wp-login.php", "/.env", "/xmlrpc.php", "/phpmyadmin/index.php", "/.git/config",
    "/admin/config.php", "/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php",
]
SEARCH_WORDS = ["%E5%B7%A5%E4%B8%9A%E4%BA%91", "%E6%B0%B8%E5%B7%9E", "iot", "plc", "mes",
                "%E8%AE%BE%E5%A4%87", "erp", "cloud", "%E6%95%B0%E6%8D%AE", "api"]
REFERRERS = [
    (55, "-"), (12, "https://www.baidu.com/link?url=x8Jd2kQ"), (4, "https://www.bing.com/"),
    (3, "https://www.google.com/"), (2, "https://m.sogou.com/"), (2, "https://www.so.com/"),
    (3, "https://servicewechat.com/"), (15, "https://www.yzcloud.cn/"),
    (4, "https://www.yzcloud.cn/news/"), (2, "https://www.yzcloud.cn/products/"),
]
STATUSES = [(800, 200), (60, 304), (40, 404), (30, 301), (30, 302), (10, 403), (5, 500), (3, 502),
            (2, 499), (20, 204)]


class Picker:
    """Weighted choice with a precomputed cumulative table (fast for 1M draws)."""

    def __init__(self, weighted):
        self.values = [v for _, v in weighted]
        self.cum = list(itertools.accumulate(w for w, _ in weighted))

    def __call__(self, rng):
        return self.values[bisect.bisect_right(self.cum, rng.random() * self.cum[-1])]


def tail_agents(rng, count):
    """Real agents from uap-core's suite, for the long tail (empty if not installed)."""
    path = "/usr/share/uap-core/tests/test_ua.yaml"
    if not os.path.exists(path):
        return []
    agents = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            prefix = "- user_agent_string: "
            if line.startswith(prefix):
                ua = line[len(prefix):]
                if len(ua) >= 2 and ua[0] == ua[-1] and ua[0] in "'\"":
                    ua = ua[1:-1].replace("''", "'")
                if ua.isascii() and '"' not in ua and "\\" not in ua and len(ua) < 400:
                    agents.append(ua)
    rng.shuffle(agents)
    return agents[:count]


def make_clients(rng, n):
    """n distinct client IPs, about 1 in 6 IPv6, clustered in a few hundred networks."""
    nets4 = [(rng.choice([36, 39, 42, 58, 59, 60, 61, 101, 110, 112, 113, 114, 116, 117, 118,
                          119, 120, 121, 122, 123, 124, 125, 175, 180, 182, 183, 202, 211, 218,
                          219, 220, 221, 222, 223]), rng.randrange(256), rng.randrange(256))
             for _ in range(400)]
    nets6 = [f"240e:{rng.randrange(0x300, 0x3ff):x}:{rng.randrange(0x10000):x}" for _ in range(120)]
    clients = set()
    while len(clients) < n:
        if rng.random() < 1 / 6:
            clients.add(f"{rng.choice(nets6)}:{rng.randrange(0x10000):x}:"
                        f"{rng.randrange(0x10000):x}:{rng.randrange(0x10000):x}:"
                        f"{rng.randrange(0x10000):x}:{rng.randrange(0x10000):x}")
        else:
            a, b, c = rng.choice(nets4)
            clients.add(f"{a}.{b}.{c}.{rng.randrange(1, 255)}")
    clients = sorted(clients)
    rng.shuffle(clients)
    return clients


def make_target(rng, page, agent):
    r = rng.random()
    if agent_is_scanner(agent) and r < 0.3:
        return "GET", rng.choice(PROBES)
    if r < 0.35:
        return "GET", rng.choice(ASSETS)
    if r < 0.60:
        return "GET", page(rng)
    if r < 0.72:
        return "GET", f"/news/{rng.randrange(2019, 2025)}/{rng.randrange(1, 13):02d}/{rng.randrange(1, 4000)}.html"
    if r < 0.80:
        return "GET", f"/products/{rng.randrange(1, 1500)}?from={rng.choice(['home', 'search', 'list'])}"
    if r < 0.85:
        return "GET", (f"/search?q={rng.choice(SEARCH_WORDS)}&page={rng.randrange(1, 6)}"
                       f"&sort={rng.choice(['time', 'relevance'])}")
    if r < 0.90:
        return "GET", f"/api/v1/parks/{rng.randrange(1, 80)}/companies?limit=20&offset={rng.randrange(0, 400, 20)}"
    if r < 0.93:
        return "POST", "/api/event"
    if r < 0.95:
        return "POST", "/api/v1/sessions"
    if r < 0.97:
        # A token in the query: the importer keeps "token=" and drops the value.
        return "GET", f"/account/verify?token={rng.getrandbits(96):024x}&lang=zh-CN"
    if r < 0.98:
        return "HEAD", "/"
    return "GET", "/robots.txt"


def agent_is_scanner(agent):
    return agent in ("curl/7.88.1", "python-requests/2.31.0", "Go-http-client/1.1", "-")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--days", type=float, default=3.0)
    ap.add_argument("--clients", type=int, default=4000)
    args = ap.parse_args()

    rng = random.Random(args.seed)
    clients = make_clients(rng, args.clients)
    # Heavy-tailed traffic: client k gets weight 1/(k+1)^0.8.
    client = Picker([(1 / (k + 1) ** 0.8, ip) for k, ip in enumerate(clients)])
    tail = tail_agents(rng, 300)
    agent_weights = COMMON_AGENTS + [(0.05, ua) for ua in tail]
    agent = Picker(agent_weights)
    page = Picker(PAGES)
    referrer = Picker(REFERRERS)
    status = Picker(STATUSES)
    # Each client keeps one agent most of the time, as a real browser does.
    client_agent = {ip: agent(rng) for ip in clients}

    end = int(time.time())
    start = end - int(args.days * 86400)
    step = (end - start) / max(args.lines, 1)
    tz = 8 * 3600
    with open(args.out, "w", encoding="utf-8", newline="\n", buffering=1 << 20) as out:
        t = float(start)
        last_sec, stamp = -1, ""
        for _ in range(args.lines):
            t += rng.expovariate(1 / step)
            sec = min(int(t), end)
            if sec != last_sec:
                tm = time.gmtime(sec + tz)
                stamp = (f"{tm.tm_mday:02d}/{MONTHS[tm.tm_mon - 1]}/{tm.tm_year}:"
                         f"{tm.tm_hour:02d}:{tm.tm_min:02d}:{tm.tm_sec:02d} +0800")
                last_sec = sec
            ip = client(rng)
            ua = client_agent[ip] if rng.random() < 0.9 else agent(rng)
            method, target = make_target(rng, page, ua)
            st = status(rng)
            if target in PROBES:
                st = 404
            size = 0 if st in (204, 304) else int(rng.lognormvariate(8.5, 1.4))
            ref = referrer(rng)
            proto = "HTTP/2.0" if rng.random() < 0.6 else "HTTP/1.1"
            out.write(f'{ip} - - [{stamp}] "{method} {target} {proto}" {st} {size} "{ref}" "{ua}"\n')


if __name__ == "__main__":
    main()
