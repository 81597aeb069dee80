// The log evidence behind an audit finding, on PostgreSQL (src/store/sqlite/evidence.ts): this
// MTA's accepted mail whose recipients failed with the finding's cause (at its domains, when it
// names them), their NDRs and backscatter; for dictionary_scan, the unknown-recipient rejects.
import type { AuditEvidence, Example, Mta, Period } from '../types.ts';
import type { Queryable } from './pg.ts';
import { all, one } from './sql.ts';

// The period's host, when it names one (@host NULL: every host).
const IN_PERIOD = 'm.mta = @mta AND m.received_at >= @from AND m.received_at < @to AND m.origin != \'local\' AND (@host::text IS NULL OR m.host = @host::text)';

/** Failed recipients narrowed to the finding's domains, when it names them. */
function domainFilter(domains: string[] | undefined): string {
  if (!domains || domains.length === 0) return '';
  return ` AND lower(substr(r.address, strpos(r.address, '@') + 1)) = ANY(@domains::text[])`;
}

/** The logs do not say which listener took a message: the numbers are per MTA, cause and domain. */
export async function auditEvidence(q: Queryable, p: Period, mta: Mta, cause: string, domains?: string[]): Promise<AuditEvidence> {
  const dom = domainFilter(domains);
  const args = { mta, cause, from: p.from, to: p.to, host: p.host ?? null, ...(dom ? { domains } : {}) };
  if (cause === 'dictionary_scan') {
    const rows = await all<{ client_ip: string | null; name: string | null; n: number }>(q, `SELECT client_ip, max(client_name) AS name, count(*) AS n
      FROM smtp_rejects WHERE mta = @mta AND cause = 'unknown_recipient' AND time >= @from AND time < @to
        AND (@host::text IS NULL OR host = @host::text)
      GROUP BY client_ip ORDER BY n DESC, client_ip NULLS FIRST`, { mta, from: p.from, to: p.to, host: p.host ?? null });
    return {
      failed_recipients: 0, messages: 0, ndrs: 0, backscatter: 0, examples: [],
      rejects: rows.reduce((a, r) => a + r.n, 0),
      clients: rows.slice(0, 5).map((r) => `${r.name ?? 'unknown'}[${r.client_ip ?? '?'}]: ${r.n}`),
    };
  }
  const rcpts = (await one<{ n: number }>(q, `SELECT count(*) AS n FROM recipients r JOIN messages m ON m.id = r.message AND m.part = r.part
    WHERE r.cause = @cause AND ${IN_PERIOD}${dom}`, args))!;
  const msgs = (await one<{ messages: number; ndrs: number; backscatter: number }>(q, `SELECT
      count(*) AS messages,
      coalesce(sum(m.ndr_count), 0) AS ndrs,
      coalesce(sum(m.backscatter), 0) AS backscatter
    FROM messages m
    WHERE ${IN_PERIOD} AND EXISTS (SELECT 1 FROM recipients r WHERE r.message = m.id AND r.part = m.part AND r.cause = @cause${dom})`, args))!;
  const examples = await all<Example>(q, `SELECT
      m.host,
      m.queue_id,
      r.address AS recipient,
      coalesce(r.reason, '') AS reason
    FROM recipients r JOIN messages m ON m.id = r.message AND m.part = r.part
    WHERE r.cause = @cause AND ${IN_PERIOD}${dom}
    ORDER BY m.backscatter DESC, m.received_at, m.id, r.seq
    LIMIT 3`, args);
  return { failed_recipients: rcpts.n, ...msgs, examples };
}
