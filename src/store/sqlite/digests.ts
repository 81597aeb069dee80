// What the digest keeps and asks: the digests sent (a log the next run and the tests read), and
// which hosts logged a period's mail (the subject names the host).
import type { Db } from './db.ts';
import type { DigestRow, Period, SentDigest } from '../types.ts';

export function recordDigest(db: Db, d: SentDigest): void {
  db.prepare(`INSERT INTO digests (period_from, period_to, sent_at, recipients, transport, subject, message_id)
    VALUES (@from, @to, @sentAt, @recipients, @transport, @subject, @messageId)`).run({
    from: d.period.from, to: d.period.to, sentAt: d.sentAt, recipients: JSON.stringify(d.recipients), transport: d.transport,
    subject: d.subject, messageId: d.messageId,
  });
}

export function listDigests(db: Db): DigestRow[] {
  return db.prepare(`SELECT
      period_from,
      period_to,
      sent_at,
      recipients,
      transport,
      subject,
      message_id
    FROM digests
    ORDER BY id`).all() as DigestRow[];
}

/** The hosts that logged messages or SMTP-time rejects in the period. */
export function hostsOf(db: Db, p: Period): string[] {
  return db.prepare(`SELECT host FROM messages WHERE received_at >= @from AND received_at < @to AND (@host IS NULL OR host = @host)
    UNION SELECT host FROM smtp_rejects WHERE time >= @from AND time < @to AND (@host IS NULL OR host = @host)`)
    .pluck().all({ from: p.from, to: p.to, host: p.host ?? null }) as string[];
}
