// The API calls `npm run bench:queries` times: every call the dashboard makes, for one period,
// with filter values taken from the data of that period (a client that bounced, a failed
// recipient, a forged sender domain...), so that each filter finds something.
import { SOURCE_KINDS } from '../src/store/types.ts';

export interface Call {
  name: string;
  path: string;
}

/** One row of a query with @from and @to, on whichever database is timed (the SQL is the same on both). */
export type Ask = <T>(sql: string, p: { from: number; to: number }) => Promise<T | undefined>;

/** Values that each filter of /api/messages can use in the period (the newest ones). */
async function samples(one: Ask, p: { from: number; to: number }) {
  const inP = 'm.received_at >= @from AND m.received_at < @to';
  const failed = await one<{ address: string; cause: string }>(`SELECT r.address, r.cause FROM recipients r JOIN messages m ON m.id = r.message
    WHERE r.cause IS NOT NULL AND ${inP} ORDER BY m.received_at DESC LIMIT 1`, p);
  const client = await one<{ client_ip: string }>(`SELECT client_ip FROM messages m WHERE ${inP} AND outcome = 'bounced_after_accept'
    AND client_ip IS NOT NULL ORDER BY received_at DESC LIMIT 1`, p);
  const forged = await one<{ sender_domain: string }>(`SELECT sender_domain FROM messages m WHERE ${inP} AND backscatter = 1
    AND sender_domain IS NOT NULL ORDER BY received_at DESC LIMIT 1`, p);
  const msg = await one<{ host: string; queue_id: string; sender: string | null }>(
    `SELECT host, queue_id, sender FROM messages m WHERE ${inP} ORDER BY received_at DESC LIMIT 1`, p);
  return { failed, client, forged, msg };
}

export async function callsFor(one: Ask, p: { from: number; to: number }): Promise<Call[]> {
  const range = `from=${new Date(p.from).toISOString()}&to=${new Date(p.to).toISOString()}`;
  const s = await samples(one, p);
  const calls: Call[] = [
    { name: 'summary', path: '/api/summary' },
    { name: 'timeseries hour', path: '/api/timeseries?bucket=hour' },
    { name: 'timeseries day', path: '/api/timeseries?bucket=day' },
    ...SOURCE_KINDS.map((k) => ({ name: `sources ${k}`, path: `/api/sources?kind=${k}` })),
    { name: 'messages', path: '/api/messages' },
    { name: 'messages page 20', path: '/api/messages?offset=1000&limit=50' },
    { name: 'messages outcome', path: '/api/messages?outcome=bounced_after_accept' },
    { name: 'messages mta', path: '/api/messages?mta=postfix' },
    { name: 'messages backscatter', path: '/api/messages?backscatter=1' },
    { name: 'messages cause', path: `/api/messages?cause=${s.failed?.cause ?? 'unknown_recipient'}` },
    { name: 'recommendations', path: '/api/recommendations' },
  ];
  const q = (k: string, v: string | undefined | null) => (v ? [{ name: `messages ${k}`, path: `/api/messages?${k}=${encodeURIComponent(v)}` }] : []);
  const domain = s.failed ? s.failed.address.slice(s.failed.address.lastIndexOf('@') + 1) : undefined;
  calls.push(
    ...q('client_ip', s.client?.client_ip), ...q('sender_domain', s.forged?.sender_domain), ...q('domain', domain),
    ...q('recipient', s.failed?.address), ...q('q', s.msg?.sender ?? undefined),
  );
  if (s.msg) {
    calls.push({ name: 'messages q=queue id', path: `/api/messages?q=${encodeURIComponent(s.msg.queue_id)}` });
    calls.push({ name: 'trace', path: `/api/messages/${encodeURIComponent(s.msg.host)}/${encodeURIComponent(s.msg.queue_id)}` });
  }
  return calls.map((c) => (c.name === 'trace' ? c : { ...c, path: `${c.path}${c.path.includes('?') ? '&' : '?'}${range}` }));
}
