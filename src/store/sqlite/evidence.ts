// The log evidence behind an audit finding: this MTA's accepted mail of the period whose
// recipients failed with the finding's cause (at its domains, when it names them), their NDRs
// and backscatter; for the dictionary-scan guard, the unknown-recipient rejects at SMTP time.
import type { Db } from './db.ts';
import type { AuditEvidence, Example, Mta, Period } from '../types.ts';

// The period's host, when it names one (@host NULL: every host).
const IN_PERIOD = 'm.mta = @mta AND m.received_at >= @from AND m.received_at < @to AND m.origin != \'local\' AND (@host IS NULL OR m.host = @host)';

/** Failed recipients narrowed to the finding's domains, when it names them. */
function domainFilter(domains: string[] | undefined): string {
  if (!domains || domains.length === 0) return '';
  return ` AND lower(substr(r.address, instr(r.address, '@') + 1)) IN (SELECT value FROM json_each(@domains))`;
}

/** The logs do not say which listener took a message: the numbers are per MTA, cause and domain. */
export function auditEvidence(db: Db, p: Period, mta: Mta, cause: string, domains?: string[]): AuditEvidence {
  const args = { mta, cause, from: p.from, to: p.to, host: p.host ?? null, domains: JSON.stringify(domains ?? []) };
  const dom = domainFilter(domains);
  if (cause === 'dictionary_scan') {
    const rows = db.prepare(`SELECT client_ip, max(client_name) AS name, count(*) AS n FROM smtp_rejects
      WHERE mta = @mta AND cause = 'unknown_recipient' AND time >= @from AND time < @to AND (@host IS NULL OR host = @host)
      GROUP BY client_ip ORDER BY n DESC, client_ip`).all(args) as { client_ip: string | null; name: string | null; n: number }[];
    return {
      failed_recipients: 0, messages: 0, ndrs: 0, backscatter: 0, examples: [],
      rejects: rows.reduce((a, r) => a + r.n, 0),
      clients: rows.slice(0, 5).map((r) => `${r.name ?? 'unknown'}[${r.client_ip ?? '?'}]: ${r.n}`),
    };
  }
  const rcpts = db.prepare(`SELECT count(*) AS n FROM recipients r JOIN messages m ON m.id = r.message
    WHERE r.cause = @cause AND ${IN_PERIOD}${dom}`).get(args) as { n: number };
  const msgs = db.prepare(`SELECT
      count(*) AS messages,
      coalesce(sum(m.ndr_count), 0) AS ndrs,
      coalesce(sum(m.backscatter), 0) AS backscatter
    FROM messages m
    WHERE ${IN_PERIOD} AND EXISTS (SELECT 1 FROM recipients r WHERE r.message = m.id AND r.cause = @cause${dom})`).get(args) as {
    messages: number;
    ndrs: number;
    backscatter: number;
  };
  const examples = db.prepare(`SELECT
      m.host,
      m.queue_id,
      r.address AS recipient,
      coalesce(r.reason, '') AS reason
    FROM recipients r JOIN messages m ON m.id = r.message
    WHERE r.cause = @cause AND ${IN_PERIOD}${dom}
    ORDER BY m.backscatter DESC, m.received_at, m.id, r.seq
    LIMIT 3`).all(args) as Example[];
  return { failed_recipients: rcpts.n, ...msgs, examples };
}
