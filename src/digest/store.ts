// The digest's own reads and writes: which hosts a period's mail came from, and the record
// of a digest that was sent (table `digests`, migration 0003).
import { hostname } from 'node:os';
import type { Db } from '../store/db.ts';
import type { Period } from '../store/queries.ts';

/** "mx1" when one host logged the period's mail, "3 hosts" for more, this machine for none. */
export function hostLabel(db: Db, p: Period): string {
  const rows = db.prepare(`SELECT host FROM messages WHERE received_at >= @from AND received_at < @to
    UNION SELECT host FROM smtp_rejects WHERE time >= @from AND time < @to`).all({ from: p.from, to: p.to }) as { host: string }[];
  if (rows.length === 1) return rows[0]!.host;
  if (rows.length > 1) return `${rows.length} hosts`;
  return hostname().split('.')[0] || 'localhost';
}

export interface SentDigest {
  period: Period;
  sentAt: number;
  recipients: string[];
  transport: string;
  subject: string;
  messageId: string | null;
}

export function recordDigest(db: Db, d: SentDigest): void {
  db.prepare(`INSERT INTO digests (period_from, period_to, sent_at, recipients, transport, subject, message_id)
    VALUES (?, ?, ?, ?, ?, ?, ?)`).run(d.period.from, d.period.to, d.sentAt, JSON.stringify(d.recipients), d.transport, d.subject, d.messageId);
}

export interface DigestRow {
  period_from: number;
  period_to: number;
  sent_at: number;
  recipients: string;
  transport: string;
  subject: string;
  message_id: string | null;
}

export function listDigests(db: Db): DigestRow[] {
  return db.prepare('SELECT period_from, period_to, sent_at, recipients, transport, subject, message_id FROM digests ORDER BY id').all() as DigestRow[];
}
