// Hostile strings from the logs in each channel's rendering: chat text (Slack, Mattermost) sets
// them as code with markup escaped, so no mention, link or formatting comes from a log; HTML
// entity-escapes them; plain text and the mail subject lose control and bidi characters; the
// webhook's JSON carries them as they are. Expected texts are written out here by hand.
import { describe, expect, it } from 'vitest';
import { chatText, htmlText, plainText, subject } from '../../src/alerts/render.ts';
import type { AlertEvidence, Notice } from '../../src/alerts/types.ts';
import { webhookBody, signature } from '../../src/alerts/webhook.ts';
import type { AlertRow } from '../../src/store/types.ts';

const HELO = '<!channel> *x* `y` <script>alert(1)</script>\u202egnp.exe\nnext\u001b[31m';
const T = Date.parse('2026-12-03T10:00:00Z');

function notice(kind: Notice['kind']): Notice {
  const e: AlertEvidence = {
    from: '2026-12-03T09:00:00.000Z', to: '2026-12-03T10:00:00.001Z', page: 'messages.html', filter: { backscatter: '1', host: HELO },
    title_parts: ['Backscatter on ', { v: HELO }, ': 42 NDRs'], facts: [['Client name ', { v: '@here & <b>' }, '.']],
  };
  const alert: AlertRow = {
    id: 7, rule: 'backscatter', key: HELO, host: HELO, state: kind === 'resolved' ? 'resolved' : 'firing', started_at: T,
    resolved_at: kind === 'resolved' ? T + 3_900_000 : null, fired_at: T, title: `Backscatter on ${HELO}: 42 NDRs`, value: 42, threshold: 20,
    evidence: JSON.stringify(e), notified_firing: false, notified_resolved: false,
  };
  return { kind, alert, link: `https://dash.example.test/messages.html?${new URLSearchParams({ ...e.filter, from: e.from, to: e.to })}` };
}

describe('alert rendering with hostile log strings', () => {
  it('chat text: each log value is inline code with markup escaped; no mention, link or line break comes from a log', () => {
    const text = chatText(notice('firing'));
    const lines = text.split('\n');
    expect(lines[0]).toBe(':rotating_light: *FIRING*: Backscatter on `&lt;!channel&gt; *x* ʹyʹ &lt;script&gt;alert(1)&lt;/script&gt;\ufffdgnp.exe\ufffdnext\ufffd[31m`: 42 NDRs');
    expect(lines[1]).toBe('Client name `@here &amp; &lt;b&gt;`.');
    expect(lines[2]).toBe('Window: 2026-12-03T09:00:00.000Z to 2026-12-03T10:00:00.001Z.');
    // The only <...> is our link, its URL query-encoded.
    expect(lines[3]).toMatch(/^<https:\/\/dash\.example\.test\/messages\.html\?[^<>|\s]+\|Evidence on the dashboard>$/);
    expect(lines).toHaveLength(4);
    expect(text).not.toMatch(/\u202e/);
    expect(text).not.toContain(String.fromCharCode(27));
  });

  it('HTML mail: values entity-escaped inside <code>', () => {
    const html = htmlText(notice('firing'));
    expect(html).toContain('<h2>FIRING: Backscatter on <code>&lt;!channel&gt; *x* `y` &lt;script&gt;alert(1)&lt;/script&gt;\ufffdgnp.exe\ufffdnext\ufffd[31m</code>: 42 NDRs</h2>');
    expect(html).not.toMatch(/<script|<b>|\u202e/);
    expect(html).not.toContain(String.fromCharCode(27));
    expect(html).toContain('<a href="https://dash.example.test/messages.html?backscatter=1&amp;host=');
  });

  it('plain text and subject: one line each, control and bidi characters shown as U+FFFD', () => {
    const s = subject(notice('firing'));
    expect(s).toBe('[bouncewatch] FIRING: Backscatter on <!channel> *x* `y` <script>alert(1)</script>\ufffdgnp.exe\ufffdnext\ufffd[31m: 42 NDRs');
    const plain = plainText(notice('resolved'));
    expect(plain.split('\n').slice(0, 3)).toEqual([
      'RESOLVED: Backscatter on <!channel> *x* `y` <script>alert(1)</script>\ufffdgnp.exe\ufffdnext\ufffd[31m: 42 NDRs',
      '',
      'No longer holds at 2026-12-03T11:05:00.000Z (fired for 1 h 5 min).',
    ]);
    // eslint-disable-next-line no-control-regex
    expect(plain).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
  });

  it('webhook JSON: the values as they are (JSON is their escaping), text as chat text, and a signature over timestamp and body', () => {
    const n = notice('firing');
    const raw = webhookBody(n, T);
    const body = JSON.parse(raw) as { text: string; status: string; alert: { key: string; host: string; filter: Record<string, string>; started_at: string } };
    expect(body.status).toBe('firing');
    expect(body.alert.key).toBe(HELO);
    expect(body.alert.filter.host).toBe(HELO);
    expect(body.alert.started_at).toBe('2026-12-03T10:00:00.000Z');
    expect(body.text).toBe(chatText(n));
    // HMAC-SHA256 of "1764756000.{}" with key "k": computed with openssl (printf '1764756000.{}' | openssl dgst -sha256 -hmac k).
    expect(signature('k', '1764756000', '{}')).toBe('sha256=0f541a4fb6dd28d7aec2d2d9f3433580a3d538902052643afb671ec3b875cf2d');
  });
});
