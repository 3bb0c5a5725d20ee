// Differential check of SafeRedirectTarget against Node's URL, a WHATWG URL parser
// (issue 15 defect 3). Run by redirect_target_differential_test.cc:
//   node redirect_target_check.mjs CASES_FILE
// CASES_FILE has one case a line: the target's bytes in hex, a space, and what
// SafeRedirectTarget returned in hex, or "-" when it refused.
// For every accepted target: Node must resolve the target against the site's
// origin to that same origin, and resolve the returned Location (against the
// origin and against a deep page of the site) to the very URL the target gives.
// And the other way round: a target Node keeps on the site may be refused only for
// a reason the header documents (a scheme, nothing left after stripping, bytes
// that are not UTF-8, too long).
// Prints one JSON summary line; exits 1 on any disagreement.
import { readFileSync } from 'node:fs';

const base = 'http://origin.test';
const deepPage = 'http://origin.test/deep/page/here?x=1#frag';
const lines = readFileSync(process.argv[2], 'utf8').split('\n').filter((l) => l.length > 0);

function resolve(input, against) {
  try {
    return new URL(input, against);
  } catch {
    return null;
  }
}

// Why SafeRedirectTarget may refuse a target that stays on the site.
function documentedRefusal(target, targetHex) {
  if (Buffer.from(target, 'utf8').toString('hex') !== targetHex) return 'not UTF-8';
  if (targetHex.length / 2 > 2048) return 'too long';
  const stripped = target.replace(/^[\x00-\x20]+|[\x00-\x20]+$/g, '').replace(/[\t\n\r]/g, '');
  if (stripped === '') return 'empty';
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(stripped)) return 'a scheme';
  if (/^[\/\\]{2}/.test(stripped)) return 'an authority, even this one';
  return null;
}

let accepted = 0;
let nodeSameOrigin = 0;
let bothAccept = 0;
const failures = [];
for (const line of lines) {
  const [targetHex, oursHex] = line.split(' ');
  const target = Buffer.from(targetHex, 'hex').toString('utf8');
  const original = resolve(target, base);
  const sameOrigin = original !== null && original.origin === base;
  if (sameOrigin) nodeSameOrigin++;
  if (oursHex === '-') {
    if (sameOrigin && !documentedRefusal(target, targetHex)) {
      failures.push({ target: JSON.stringify(target), why: 'refused a same-origin target' });
    }
    continue;
  }
  accepted++;
  if (sameOrigin) bothAccept++;
  const location = Buffer.from(oursHex, 'hex').toString('latin1');
  const fail = (why) => failures.push({ target: JSON.stringify(target), location, why });
  if (!sameOrigin) {
    fail(`accepted, but Node resolves it to ${original ? original.href : 'an error'}`);
    continue;
  }
  if (!/^\/(?![\/\\])[\x21-\x7e]*$/.test(location)) {
    fail('the Location is not a plain local path of printable ASCII');
    continue;
  }
  for (const against of [base, deepPage]) {
    const emitted = resolve(location, against);
    if (emitted === null || emitted.href !== original.href) {
      fail(`against ${against} the Location gives ${emitted ? emitted.href : 'an error'}, ` +
           `the target ${original.href}`);
    }
  }
}
console.log(JSON.stringify({
  checked: lines.length,
  node_same_origin: nodeSameOrigin,
  accepted,
  both_accept: bothAccept,
  failures: failures.slice(0, 25),
  failure_count: failures.length,
}));
process.exit(failures.length === 0 ? 0 : 1);
