// Log lines are written by strangers: a HELO, a client name, an address or a sender domain
// full of markup or terminal escapes must show literally in both parts, and never as markup.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digestMail, rawMessage } from '../../src/digest/mail.ts';
import { renderHtml } from '../../src/digest/html.ts';
import { renderText } from '../../src/digest/text.ts';
import type { Digest } from '../../src/digest/types.ts';
import { HOSTILE, hostileDigest, htmlProblems, parseDigest } from './helpers.ts';

let dir = '';
let digest: Digest;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'bw-digest-hostile-'));
  digest = await hostileDigest(dir);
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('hostile strings from the logs', () => {
  it('the HTML shows them as text: no tag, handler or reference comes from them', () => {
    const html = renderHtml(digest);
    expect(htmlProblems(html, [digest.dashboard!])).toEqual([]);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&quot;&gt;&lt;img src=https://evil.test/x.png onerror=alert(1)&gt;');
    expect(html).toContain('&lt;b&gt;bob&lt;/b&gt;@pfx.test');
    expect(html).toContain('mx&lt;i&gt;1&lt;/i&gt;');
    expect(html).not.toMatch(/<(b|i|img)\b/);
    // Control and bidi characters are shown as what they are.
    expect(html).toContain('evil.test\\u{1b}[31mRED\\u{202e}abc');
    expect(html).not.toContain('\u001b');
    expect(html).not.toContain('\u202e');
  });

  it('the text part carries no control character a terminal would obey', () => {
    const text = renderText(digest);
    expect(text).toContain(HOSTILE.helo);
    expect(text).toContain(HOSTILE.recipient);
    expect(text).toContain('\\u{1b}[31mRED');
    // eslint-disable-next-line no-control-regex -- looking for control characters
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
  });

  it('the subject names the host literally, and the message survives MIME', async () => {
    expect(digest.subject).toBe('mx<i>1</i>: 1 backscatter NDR in 1h (none before)');
    const raw = await rawMessage(digestMail(digest, { from: 'bw@example.test', to: ['ops@example.test'] }));
    const d = await parseDigest(raw);
    expect(d.mail.subject).toBe(digest.subject);
    expect(d.html).toBe(renderHtml(digest));
    expect(d.text).toContain(HOSTILE.helo);
  });
});
