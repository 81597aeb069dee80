// The digest through Debian's real Postfix sendmail(1) into a throwaway Postfix that delivers
// to an mbox file: the message arrives whole, with both parts, and is recorded as sent.
// Needs root and postfix: skipped with a notice elsewhere, but a failure when CI=true.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb } from '../../src/store/sqlite/db.ts';
import { listDigests } from '../../src/store/sqlite/digests.ts';
import { bw, htmlFigures, importFixtures, parseDigest, textFigures, WINDOW } from './helpers.ts';
import { DOMAIN, MAILBOX_USER, awaitDelivery, mboxMessage, startInstance, type Instance } from './postfix-instance.ts';

const NEEDS = ['/usr/sbin/sendmail', '/usr/sbin/postfix', '/usr/sbin/postalias', '/usr/sbin/postqueue'];

function available(): boolean {
  const missing = NEEDS.filter((f) => !existsSync(f));
  const why = process.getuid?.() !== 0 ? 'not running as root'
    : missing.length > 0 ? `${missing.join(', ')} missing (bash test/e2e/setup-debian.sh installs postfix)` : '';
  if (!why) return true;
  if (process.env.CI === 'true') throw new Error(`digest through Postfix sendmail: ${why}; CI must run this test`);
  console.warn(`SKIPPED: digest through Postfix sendmail: ${why}`);
  return false;
}

const enabled = available();

describe.skipIf(!enabled)('digest through Postfix sendmail', () => {
  let root = '';
  let dbDir = '';
  let db = '';
  let pf: Instance | null = null;

  beforeAll(async () => {
    dbDir = await mkdtemp(path.join(tmpdir(), 'bw-digest-sendmail-'));
    db = path.join(dbDir, 'bw.db');
    importFixtures(db);
    root = await mkdtemp(path.join(tmpdir(), 'bw-digest-postfix-'));
    pf = await startInstance(root);
  });

  afterAll(async () => {
    await pf?.stop();
    for (const d of [root, dbDir]) if (d) await rm(d, { recursive: true, force: true });
  });

  it('hands the message to sendmail, Postfix delivers it with both parts, and it is recorded', async () => {
    const to = `${MAILBOX_USER}@${DOMAIN}`;
    const r = await bw(['digest', '--db', db, '--since', WINDOW.since, '--until', WINDOW.until, '--transport', 'sendmail',
      '--to', to, '--from', `bouncewatch@${DOMAIN}`], pf!.env);
    expect(r.code, r.stderr).toBe(0);
    const mbox = await awaitDelivery(pf!);
    const d = await parseDigest(mboxMessage(mbox));
    expect(d.mail.subject).toMatch(new RegExp(`^2 hosts: \\d+ backscatter NDRs in ${WINDOW.span}`));
    expect(mbox).toMatch(new RegExp(`^Delivered-To: ${to}$`, 'm'));
    expect(d.mail.headers.get('mime-version')).toBe('1.0');
    expect(d.text).toContain('What to change');
    expect(d.html).toContain('data-k="backscatter"');
    expect(textFigures(d.text)).toEqual(htmlFigures(d.html));

    const log = await readFile(pf!.maillog, 'utf8');
    expect(log).toMatch(new RegExp(`to=<${to}>, relay=local, .*status=sent`));
    expect(log).toContain(`message-id=${d.mail.messageId}`);

    const h = openDb(db);
    const rows = listDigests(h);
    h.close();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ transport: 'sendmail:/usr/sbin/sendmail', subject: d.mail.subject, message_id: d.mail.messageId });
    expect(JSON.parse(rows[0]!.recipients)).toEqual([to]);
  });
});
