// Delivery over real SMTP to the e2e harness's scriptable server on loopback: the message
// arrives as valid MIME with both parts and is recorded; a refusal (550 at RCPT) or no server
// at all exits non-zero with one line and records nothing. Also --to, stdout and dry-run.
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb } from '../../src/store/sqlite/db.ts';
import { listDigests } from '../../src/store/sqlite/digests.ts';
import { ScriptedSmtpServer, type SmtpScript } from '../e2e/lib/smtp-server.ts';
import { bw, bwOk, htmlFigures, importFixtures, parseDigest, textFigures, WINDOW } from './helpers.ts';

const HOST = '127.0.0.1';
const UNTIL = WINDOW.until;

let dir = '';
let db = '';

async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, HOST, () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function sink(script: Partial<SmtpScript> = {}): Promise<{ server: ScriptedSmtpServer; url: string }> {
  const server = new ScriptedSmtpServer('digest-sink', { hostname: 'sink.example.test', keepData: true, ...script });
  const port = await freePort();
  await server.listen(HOST, port);
  return { server, url: `smtp://${HOST}:${port}` };
}

const sent = () => {
  const h = openDb(db);
  try {
    return listDigests(h);
  } finally {
    h.close();
  }
};

const digestArgs = (transport: string, ...more: string[]) =>
  ['digest', '--db', db, '--since', WINDOW.since, '--until', UNTIL, '--transport', transport, '--from', 'bouncewatch@mx.example.test', ...more];

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'bw-digest-smtp-'));
  db = path.join(dir, 'bw.db');
  importFixtures(db);
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('digest over SMTP', () => {
  it('delivers a multipart/alternative message with both parts, and records it', async () => {
    const { server, url } = await sink();
    try {
      const r = await bw(digestArgs(url, '--to', 'ops@example.test', '--to', 'noc@example.test', '--subject-prefix', '[bw]'));
      expect(r.code, r.stderr).toBe(0);
      expect(server.transactions).toHaveLength(1);
      const t = server.transactions[0]!;
      expect(t.mailFrom).toBe('bouncewatch@mx.example.test');
      expect(t.accepted).toEqual(['ops@example.test', 'noc@example.test']);
      expect(t.dataReply).toMatch(/^250 /);
      expect(t.data).toMatch(/^Content-Type: multipart\/alternative;/im);
      const d = await parseDigest(t.data!);
      expect(d.mail.subject).toMatch(new RegExp(`^\\[bw\\] 2 hosts: \\d+ backscatter NDRs in ${WINDOW.span}`));
      expect(d.mail.headers.get('mime-version')).toBe('1.0');
      expect(d.mail.date).toBeInstanceOf(Date);
      expect(d.mail.headers.get('auto-submitted')).toBe('auto-generated');
      expect(textFigures(d.text)).toEqual(htmlFigures(d.html));
      const rows = sent();
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        period_from: Date.parse(UNTIL) - WINDOW.ms, period_to: Date.parse(UNTIL), transport: url, subject: d.mail.subject,
        message_id: d.mail.messageId,
      });
      expect(JSON.parse(rows[0]!.recipients)).toEqual(['ops@example.test', 'noc@example.test']);
    } finally {
      await server.close();
    }
  });

  it('exits non-zero with one line and records nothing when the server refuses the recipient', async () => {
    const before = sent().length;
    const { server, url } = await sink({ rcpt: () => ({ code: 550, text: '5.1.1 <ops@example.test>: Recipient address rejected: User unknown' }) });
    try {
      const r = await bw(digestArgs(url, '--to', 'ops@example.test'));
      expect(r.code).not.toBe(0);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^bouncewatch: sending the digest by smtp:\/\/127\.0\.0\.1:\d+ failed: .*550/);
      expect(server.transactions.every((t) => t.accepted.length === 0 && t.data === null)).toBe(true);
      expect(sent()).toHaveLength(before);
    } finally {
      await server.close();
    }
  });

  it('records only the recipients the server took, and says which were refused', async () => {
    const before = sent().length;
    const { server, url } = await sink({ rcpt: (a) => (a.startsWith('gone') ? { code: 550, text: '5.1.1 User unknown' } : { code: 250, text: '2.1.5 Ok' }) });
    try {
      const r = await bw(digestArgs(url, '--to', 'ops@example.test', '--to', 'gone@example.test'));
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/refused gone@example\.test; the digest went to ops@example\.test/);
      expect(server.transactions.filter((t) => t.data !== null)).toHaveLength(1);
      const rows = sent();
      expect(rows).toHaveLength(before + 1);
      expect(JSON.parse(rows.at(-1)!.recipients)).toEqual(['ops@example.test']);
    } finally {
      await server.close();
    }
  });

  it('exits non-zero and records nothing when no server answers', async () => {
    const before = sent().length;
    const r = await bw(digestArgs(`smtp://${HOST}:${await freePort()}`, '--to', 'ops@example.test'));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/^bouncewatch: sending the digest by smtp:\/\/127\.0\.0\.1:\d+ failed: .*ECONNREFUSED/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(sent()).toHaveLength(before);
  });
});

describe('digest without a mail server', () => {
  it('asks for --to before sending by SMTP or sendmail', async () => {
    for (const t of ['smtp://127.0.0.1:25', 'sendmail']) {
      const r = await bw(digestArgs(t));
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/^bouncewatch: --to: give at least one recipient/);
    }
  });

  it('prints the text part alone for cron with --transport stdout', async () => {
    const before = sent().length;
    const out = await bwOk(digestArgs('stdout'));
    expect(out).toMatch(new RegExp(`^2 hosts: \\d+ backscatter NDRs in ${WINDOW.span} \\(none before\\)\n\nThis period {2}`));
    expect(out.split('\n')[2]).toContain(WINDOW.label);
    expect(out).not.toMatch(/Content-Type|<html|MIME-Version/i);
    const rows = sent();
    expect(rows).toHaveLength(before + 1);
    expect(rows.at(-1)!.transport).toBe('stdout');
  });

  it('prints the whole MIME message with --dry-run, sends and records nothing', async () => {
    const before = sent().length;
    const raw = await bwOk(digestArgs('smtp://127.0.0.1:9', '--to', 'ops@example.test', '--dry-run'));
    expect(raw).toMatch(/^MIME-Version: 1\.0$/m);
    expect(raw).toMatch(/^Message-ID: <[^>]+>$/m);
    expect(raw).toMatch(/^Date: /m);
    const d = await parseDigest(raw);
    expect(textFigures(d.text)).toEqual(htmlFigures(d.html));
    expect(sent()).toHaveLength(before);
  });

  it('refuses a bad address, transport or dashboard URL with one line', async () => {
    for (const [args, msg] of [
      [['--to', 'not-an-address'], /--to/],
      [['--to', 'a@b.test', '--transport', 'pigeon'], /--transport/],
      [['--dashboard-url', 'javascript:alert(1)'], /--dashboard-url|http/],
    ] as const) {
      const r = await bw(['digest', '--db', db, '--transport', 'stdout', ...args]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(msg);
    }
  });
});
