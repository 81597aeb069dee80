// The webhook channel: each notification POSTed as JSON. The `text` field is chat markup, so a
// Slack or Mattermost incoming webhook takes the body as it is; `alert` carries the fields for
// anything else. With a secret, the body is signed (HMAC-SHA256 over "timestamp.body"), as
// Slack and GitHub sign theirs, so a receiver can tell it came from us and is not a replay.
import { createHmac } from 'node:crypto';
import { chatText, evidenceOf } from './render.ts';
import type { Channel, Notice } from './types.ts';

const TIMEOUT_MS = 10_000;
const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

export function webhookBody(n: Notice, sentAt = Date.now()): string {
  const a = n.alert;
  const e = evidenceOf(n);
  return JSON.stringify({
    text: chatText(n),
    status: n.kind,
    alert: {
      id: a.id, rule: a.rule, key: a.key, host: a.host, title: a.title, value: a.value, threshold: a.threshold,
      started_at: iso(a.started_at), resolved_at: iso(a.resolved_at), window: { from: e.from, to: e.to }, filter: e.filter, link: n.link,
    },
    sent_at: iso(sentAt),
  });
}

/** The signature header's value for a body sent at `timestamp` (seconds). */
export const signature = (secret: string, timestamp: string, body: string): string =>
  `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;

export class WebhookChannel implements Channel {
  readonly name = 'webhook';
  readonly target: string;

  constructor(private readonly url: string, private readonly secret?: string) {
    const u = new URL(url);
    // The path and query of an incoming webhook are its secret: shown only as far as the host.
    this.target = `${u.protocol}//${u.host}/…`;
  }

  async send(n: Notice): Promise<void> {
    const body = webhookBody(n);
    const timestamp = String(Math.floor(Date.now() / 1000));
    const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'bouncewatch' };
    if (this.secret) {
      headers['x-bouncewatch-timestamp'] = timestamp;
      headers['x-bouncewatch-signature'] = signature(this.secret, timestamp, body);
    }
    let res: Response;
    try {
      res = await fetch(this.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(TIMEOUT_MS), redirect: 'error' });
    } catch (e) {
      const err = e as Error & { cause?: { message?: string } };
      throw new Error(`${err.name === 'TimeoutError' ? `no answer in ${TIMEOUT_MS / 1000} s` : (err.cause?.message ?? err.message)}`, { cause: e });
    }
    if (!res.ok) {
      const text = (await res.text().catch(() => '')).replace(/\s+/g, ' ').slice(0, 200);
      throw new Error(`HTTP ${res.status}${text ? `: ${text}` : ''}`);
    }
    await res.body?.cancel().catch(() => undefined);
  }
}
