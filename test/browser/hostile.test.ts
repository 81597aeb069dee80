// Hostile log text in every view: HELO names, client names, addresses and reasons that carry
// script, img/svg handlers and quotes are imported from real-looking Postfix and Exim lines, and
// must show as literal text, never run (window.__pwned stays unset, no dialog, no injected nodes).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import {
  browserAvailable, getJson, importLogs, launchBrowser, newPage, openView, ready, screenshot, serve, type Served, type Watched,
} from './harness.ts';
import type { Messages } from './api-types.ts';

const SCRIPT = '<script>window.__pwned=1</script>';
const IMG = '<img src=x onerror="window.__pwned=1">';
const SVG = '"><svg onload=window.__pwned=1>';
// A syslog host name is one word: markup without spaces (the host table, selector and badges show it).
const HOST = '"><img/src=x/onerror=window.__pwned=1>';

// Postfix's own formats keep some characters out of some fields (no '>' or ',' inside <...>,
// no space in client=NAME[IP]), so each payload sits where a real server could log it. The
// hostile client is refused three times, enough to be listed as a dictionary-scan suspect.
const LOG = `Nov 27 10:00:00 mx9 postfix/smtpd[100]: connect from ${SCRIPT}[203.0.113.5]
Nov 27 10:00:01 mx9 postfix/smtpd[100]: NOQUEUE: reject: RCPT from "><svg/onload=window.__pwned=1>[203.0.113.6]: 550 5.1.1 <nobody"'@pfx.test>: Recipient address rejected: User unknown ${IMG}; from=<x"'<b@forged.test> to=<nobody"'@pfx.test> proto=ESMTP helo=<${SCRIPT}>
Nov 27 10:00:01 mx9 postfix/smtpd[100]: NOQUEUE: reject: RCPT from "><svg/onload=window.__pwned=1>[203.0.113.6]: 550 5.1.1 <nobody2"'@pfx.test>: Recipient address rejected: User unknown ${IMG}; from=<x"'<b@forged.test> to=<nobody2"'@pfx.test> proto=ESMTP helo=<${SCRIPT}>
Nov 27 10:00:01 mx9 postfix/smtpd[100]: NOQUEUE: reject: RCPT from "><svg/onload=window.__pwned=1>[203.0.113.6]: 550 5.1.1 <nobody3"'@pfx.test>: Recipient address rejected: User unknown ${IMG}; from=<x"'<b@forged.test> to=<nobody3"'@pfx.test> proto=ESMTP helo=<${SCRIPT}>
Nov 27 10:00:02 mx9 postfix/smtpd[100]: 4A1B2C3D4E: client=${SCRIPT}[203.0.113.5]
Nov 27 10:00:02 mx9 postfix/cleanup[101]: 4A1B2C3D4E: message-id=<"'<img/src=x/onerror=window.__pwned=1@evil.test>
Nov 27 10:00:02 mx9 postfix/qmgr[102]: 4A1B2C3D4E: from=<"'<img src=x onerror=window.__pwned=1 "@forged.test>, size=500, nrcpt=1 (queue active)
Nov 27 10:00:02 mx9 postfix/smtpd[100]: disconnect from ${SCRIPT}[203.0.113.5] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5
Nov 27 10:00:03 mx9 postfix/smtp[103]: 4A1B2C3D4E: to=<"'<svg/onload=window.__pwned=1 x"@relay.pfx.test>, relay=mx.evil.test[198.51.100.7]:25, delay=1, delays=0/0/0.5/0.5, dsn=5.1.1, status=bounced (host mx.evil.test[198.51.100.7] said: 550 5.1.1 ${IMG} user unknown (in reply to RCPT TO command))
Nov 27 10:00:03 mx9 postfix/bounce[104]: 4A1B2C3D4E: sender non-delivery notification: 5B2C3D4E5F
Nov 27 10:00:03 mx9 postfix/cleanup[101]: 5B2C3D4E5F: message-id=<20261127100003.5B2C3D4E5F@mx9.pfx.test>
Nov 27 10:00:03 mx9 postfix/qmgr[102]: 5B2C3D4E5F: from=<>, size=2400, nrcpt=1 (queue active)
Nov 27 10:00:03 mx9 postfix/qmgr[102]: 4A1B2C3D4E: removed
Nov 27 10:00:04 mx9 postfix/smtp[103]: 5B2C3D4E5F: to=<"'<img src=x onerror=window.__pwned=1 "@forged.test>, relay=mx.forged.test[198.51.100.8]:25, delay=1, delays=0/0/0.5/0.5, dsn=5.7.1, status=bounced (host mx.forged.test[198.51.100.8] said: 550 5.7.1 ${SVG} no such sender (in reply to RCPT TO command))
Nov 27 10:00:04 mx9 postfix/qmgr[102]: 5B2C3D4E5F: removed
Nov 27 10:01:00 mx8 exim[200]: 1xX1kB-0004AA-01 <= evil@forged2.test H=(${SCRIPT}) [203.0.113.9] I=[192.0.2.1]:25 P=esmtp S=500 id=hostile-exim@evil.test T="${IMG}" for nobody@exi.test
Nov 27 10:01:00 mx8 exim[201]: 1xX1kB-0004AA-01 ** nobody@exi.test F=<evil@forged2.test>: Unrouteable address ${SVG} DT=0.000s
Nov 27 10:01:00 mx8 exim[202]: 1xX1kB-0004AB-02 <= <> R=1xX1kB-0004AA-01 U=Debian-exim P=local S=1767 T="Mail delivery failed: returning message to sender" for evil@forged2.test
Nov 27 10:01:00 mx8 exim[201]: 1xX1kB-0004AA-01 Completed
Nov 27 10:01:01 mx8 exim[203]: 1xX1kB-0004AB-02 => evil@forged2.test F=<> R=internet T=remote_smtp S=1826 H=mx.forged2.test [198.51.100.9] C="250 2.0.0 Ok: queued as X1" QT=0.106s DT=0.048s
Nov 27 10:01:01 mx8 exim[203]: 1xX1kB-0004AB-02 Completed
Nov 27 10:02:00 ${HOST} postfix/smtpd[300]: NOQUEUE: reject: RCPT from unknown[203.0.113.10]: 550 5.1.1 <a@pfx.test>: Recipient address rejected: User unknown in local recipient table; from=<x@forged.test> to=<a@pfx.test> proto=ESMTP helo=<h>
`;

// The recommendations view gets hostile text too (its items come from the server's engine).
const RECOMMENDATION = {
  id: `rec-${SVG}`, mta: 'postfix', host: HOST, cause: SCRIPT, title: `Refuse ${SCRIPT} during SMTP`, severity: SVG,
  change: `smtpd_recipient_restrictions = reject_unverified_recipient ${SCRIPT}`, rationale: IMG,
  evidence: { messages: 1, ndrs: 1, backscatter: 1, examples: [{ queue_id: '4A1B2C3D4E', host: 'mx9', recipient: SVG, reason: IMG }] },
  prevented: { backscatter: 1, note: SCRIPT }, docs: ['javascript:window.__pwned=1', `https://www.postfix.org/?${SCRIPT}`],
  filter: `client_ip=${encodeURIComponent(SCRIPT)}&outcome=bounced_after_accept`,
};

const enabled = browserAvailable('hostile-log browser test');

describe.skipIf(!enabled)('hostile log text is shown, never run', { timeout: 120_000 }, () => {
  let tmp = '';
  let served: Served;
  let browser: Browser;

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'bw-hostile-'));
    writeFileSync(path.join(tmp, 'hostile.log'), LOG);
    importLogs(path.join(tmp, 'bw.db'), 2026, [path.join(tmp, 'hostile.log')]);
    served = await serve(path.join(tmp, 'bw.db'), { recommendations: async () => [RECOMMENDATION] });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await served?.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  /** Nothing ran, nothing was injected, and the page said nothing wrong. */
  async function assertInert(w: Watched, where: string, allow404 = false): Promise<string> {
    const state = await w.page.evaluate(() => ({
      pwned: (window as unknown as { __pwned?: unknown }).__pwned,
      injected: document.querySelectorAll('img, svg, iframe, object, embed, b, main script').length,
      jsLinks: document.querySelectorAll('a[href^="javascript:" i]').length,
      text: document.body.innerText,
    }));
    expect(state.pwned, `${where}: window.__pwned`).toBeUndefined();
    expect(state.injected, `${where}: injected elements`).toBe(0);
    expect(state.jsLinks, `${where}: javascript: links`).toBe(0);
    expect(w.dialogs, `${where}: dialogs`).toEqual([]);
    expect(w.problems.filter((p) => !(allow404 && p.includes('404'))), `${where}: problems`).toEqual([]);
    w.problems.length = 0; // each visit is judged on its own
    return state.text;
  }

  it('the import kept the hostile text (so the views below really show it)', async () => {
    const res = await getJson<Messages>(`${served.url}api/messages`);
    const json = JSON.stringify(res.items);
    for (const s of [SCRIPT, IMG, SVG]) expect(json).toContain(JSON.stringify(s).slice(1, -1));
  });

  it('every view, the sources tables and both traces show it literally', async () => {
    const w = await newPage(browser);
    const visit = async (url: string, expectText: string[], allow404 = false) => {
      await openView(w.page, served.url + url);
      await w.page.waitForTimeout(300); // let any injected handler (onerror/onload) fire first
      const text = await assertInert(w, url, allow404);
      for (const t of expectText) expect(text, `${url} shows ${t}`).toContain(t);
      return text;
    };
    // The per-host table and the host selector.
    await visit('', [HOST]);
    await w.page.waitForSelector('#host-select option:nth-child(4)', { state: 'attached' });
    expect(await w.page.$$eval('#host-select option', (os) => os.map((o) => o.textContent))).toContain(HOST);
    await visit(`?host=${encodeURIComponent(HOST)}`, [HOST]);
    await visit('sources.html', [SCRIPT, '"><svg/onload=window.__pwned=1>', HOST]);
    await screenshot(w.page, 'hostile-sources-1280.png');
    await visit('recommendations.html', [SCRIPT, IMG, SVG, 'javascript:window.__pwned=1', `on ${HOST}`]);
    expect(await w.page.textContent('pre.change')).toBe(RECOMMENDATION.change);
    await screenshot(w.page, 'hostile-recommendations-1280.png');
    await visit('messages.html', [SCRIPT, '"\'<img src=x onerror=window.__pwned=1 "@forged.test']);
    await visit(`messages.html?client_ip=${encodeURIComponent(SCRIPT)}&q=${encodeURIComponent(IMG)}`, [SCRIPT]);
    expect(await w.page.inputValue('#q')).toBe(IMG);
    await visit('trace.html?host=mx9&queue_id=4A1B2C3D4E', [SCRIPT, IMG, SVG]);
    await screenshot(w.page, 'hostile-trace-1280.png');
    await visit('trace.html?host=mx8&queue_id=1xX1kB-0004AA-01', [SCRIPT, SVG]);
    await visit(`trace.html?host=${encodeURIComponent(SVG)}&queue_id=${encodeURIComponent(SCRIPT)}`, [SCRIPT, SVG], true);
    // The search box carries the hostile text back into the page as a value, not markup.
    await openView(w.page, `${served.url}messages.html`);
    await w.page.fill('#q', SCRIPT);
    await w.page.press('#q', 'Enter');
    await ready(w.page);
    expect(await w.page.inputValue('#q')).toBe(SCRIPT);
    await assertInert(w, 'search');
    await w.context.close();
  });
});
