// Time arguments: ISO 8601 dates, or a span back from now like 24h, 7d, 30m.
import { parseIsoTime } from '../report/iso-time.ts';

const SPAN = /^(\d+)\s*(m|h|d|w)$/;
const UNIT: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

export function parseTime(text: string, name: string, now = Date.now()): number {
  const span = SPAN.exec(text.trim());
  if (span) return now - Number(span[1]) * UNIT[span[2]!]!;
  const t = parseIsoTime(text.trim());
  if (t === undefined) throw new Error(`${name}: "${text}" is neither an ISO 8601 time (a real date, like 2026-11-27 or 2026-11-27T18:00:00Z) nor a span like 24h or 7d`);
  return t;
}
