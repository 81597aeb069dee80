// An alert as the API, `bouncewatch alerts --json` and the digest show it: times in ISO 8601,
// the evidence's window and filter, and a link to it relative to the dashboard's address.
import type { AlertRow } from '../store/types.ts';
import { linkOf } from './engine.ts';
import { plainValue } from './render.ts';
import type { AlertEvidence } from './types.ts';

export interface AlertView {
  id: number;
  rule: string;
  key: string;
  host: string | null;
  state: AlertRow['state'];
  started_at: string;
  resolved_at: string | null;
  fired_at: string;
  title: string;
  value: number;
  threshold: number;
  window: { from: string; to: string };
  filter: Record<string, string>;
  /** The figures behind it, plain text. */
  facts: string[];
  /** The dashboard page of its evidence, relative (messages.html?...). */
  link: string;
}

const iso = (t: number) => new Date(t).toISOString();

export function alertView(a: AlertRow): AlertView {
  const e = JSON.parse(a.evidence) as AlertEvidence;
  return {
    id: a.id, rule: a.rule, key: a.key, host: a.host, state: a.state, started_at: iso(a.started_at),
    resolved_at: a.resolved_at === null ? null : iso(a.resolved_at), fired_at: iso(a.fired_at), title: a.title, value: a.value,
    threshold: a.threshold, window: { from: e.from, to: e.to }, filter: e.filter,
    facts: e.facts.map((f) => f.map((p) => (typeof p === 'string' ? p : plainValue(p.v))).join('')),
    link: linkOf('./', e)!.slice(2),
  };
}
