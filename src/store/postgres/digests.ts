// The digests sent and the hosts that logged a period's mail, on PostgreSQL
// (src/store/sqlite/digests.ts).
import type { DigestRow, Period, SentDigest } from '../types.ts';
import type { Queryable } from './pg.ts';
import { all } from './sql.ts';

export async function recordDigest(q: Queryable, d: SentDigest): Promise<void> {
  await all(q, `INSERT INTO digests (period_from, period_to, sent_at, recipients, transport, subject, message_id)
    VALUES (@from, @to, @sentAt, @recipients, @transport, @subject, @messageId)`, {
    from: d.period.from, to: d.period.to, sentAt: d.sentAt, recipients: JSON.stringify(d.recipients), transport: d.transport,
    subject: d.subject, messageId: d.messageId,
  });
}

export async function listDigests(q: Queryable): Promise<DigestRow[]> {
  return all<DigestRow>(q, `SELECT
      period_from,
      period_to,
      sent_at,
      recipients,
      transport,
      subject,
      message_id
    FROM digests
    ORDER BY id`);
}

/** The hosts that logged messages or SMTP-time rejects in the period, in byte order (as SQLite's UNION gives them). */
export async function hostsOf(q: Queryable, p: Period): Promise<string[]> {
  return (await all<{ host: string }>(q, `SELECT host FROM messages WHERE received_at >= @from AND received_at < @to
      AND (@host::text IS NULL OR host = @host::text)
    UNION SELECT host FROM smtp_rejects WHERE time >= @from AND time < @to AND (@host::text IS NULL OR host = @host::text) ORDER BY 1`,
  { from: p.from, to: p.to, host: p.host ?? null })).map((r) => r.host);
}
