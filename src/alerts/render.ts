// An alert as each channel shows it. Values from the logs (HELO names, addresses, domains) are
// hostile until escaped for where they go: plain text loses its control characters, chat text
// (Slack, Mattermost) gets its markup characters escaped and each value set as code, HTML is
// entity-escaped. The JSON body carries the values as they are: JSON encoding is its escaping.
import type { AlertEvidence, Notice, Part } from './types.ts';

/** Control characters (C0, DEL, C1) and bidirectional overrides: never shown as they are. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const MAX_VALUE = 200;

/** A log value as one line of plain text: controls become U+FFFD, long values are cut. */
export const plainValue = (v: string): string => {
  const s = v.replace(CONTROL, '\ufffd');
  return s.length > MAX_VALUE ? `${s.slice(0, MAX_VALUE)}…` : s;
};

const chatEscape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * Chat markup (Slack mrkdwn, Mattermost Markdown): a value becomes inline code, which neither
 * formats nor links nor mentions (`@channel`) inside; a backtick in it, which would end the
 * code, becomes a prime. <, > and & are escaped as Slack requires and Markdown renders.
 */
const chatValue = (v: string): string => `\`${chatEscape(plainValue(v).replace(/`/g, 'ʹ')) || ' '}\``;

export const htmlEscape = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

type Style = (p: Part) => string;
const asPlain: Style = (p) => (typeof p === 'string' ? p : plainValue(p.v));
const asChat: Style = (p) => (typeof p === 'string' ? chatEscape(p) : chatValue(p.v));
const asHtml: Style = (p) => (typeof p === 'string' ? htmlEscape(p) : `<code>${htmlEscape(plainValue(p.v))}</code>`);

const join = (parts: Part[], style: Style) => parts.map(style).join('');

export function evidenceOf(n: Notice): AlertEvidence {
  return JSON.parse(n.alert.evidence) as AlertEvidence;
}

const STATUS: Record<Notice['kind'], string> = { firing: 'FIRING', resolved: 'RESOLVED', test: 'TEST' };

/** How long it fired, from log times: "12 min", "3 h 5 min". */
export function firedFor(from: number, to: number): string {
  const min = Math.max(0, Math.round((to - from) / 60_000));
  return min < 60 ? `${min} min` : `${Math.floor(min / 60)} h ${min % 60} min`;
}

function lines(n: Notice, style: Style): { title: string; body: string[] } {
  const e = evidenceOf(n);
  const title = join(e.title_parts, style);
  const body: string[] = [];
  if (n.kind === 'resolved' && n.alert.resolved_at !== null) {
    body.push(style(`No longer holds at ${new Date(n.alert.resolved_at).toISOString()} (fired for ${firedFor(n.alert.started_at, n.alert.resolved_at)}).`));
  }
  for (const f of e.facts) body.push(join(f, style));
  body.push(style(`Window: ${e.from} to ${e.to}.`));
  if (n.kind === 'test') body.push(style('This is a test notification from `bouncewatch alerts test`: nothing is wrong.'));
  return { title, body };
}

/** The one-line subject of a mail, or a chat message's first line (plain text). */
export function subject(n: Notice): string {
  return `[bouncewatch] ${STATUS[n.kind]}: ${join(evidenceOf(n).title_parts, asPlain)}`.replace(/\s+/g, ' ').slice(0, 250);
}

export function plainText(n: Notice): string {
  const { title, body } = lines(n, asPlain);
  const out = [`${STATUS[n.kind]}: ${title}`, '', ...body];
  if (n.link) out.push('', `Evidence: ${n.link}`);
  if (n.kind !== 'test') out.push('', 'What to change: `bouncewatch advise`, or Recommendations on the dashboard.');
  return `${out.join('\n')}\n`;
}

/** Slack and Mattermost incoming webhooks' `text`. */
export function chatText(n: Notice): string {
  const { title, body } = lines(n, asChat);
  const icon = n.kind === 'firing' ? ':rotating_light:' : n.kind === 'resolved' ? ':white_check_mark:' : ':information_source:';
  const out = [`${icon} *${STATUS[n.kind]}*: ${title}`, ...body];
  // A link's URL is ours (the configured dashboard address), its query built by URLSearchParams.
  if (n.link) out.push(`<${n.link.replace(/[<>|]/g, encodeURIComponent)}|Evidence on the dashboard>`);
  return out.join('\n');
}

export function htmlText(n: Notice): string {
  const { title, body } = lines(n, asHtml);
  const link = n.link ? `<p><a href="${htmlEscape(n.link)}">Evidence on the dashboard</a></p>` : '';
  return `<!doctype html><html><body><h2>${STATUS[n.kind]}: ${title}</h2>${body.map((b) => `<p>${b}</p>`).join('')}${link}</body></html>`;
}
