// One options path for every command (issue 14, item 5): `import` judges remote clients and
// local domains from the config file as `serve` does, flags win over it, and the database
// comes from --db, the config's "db" or $BOUNCEWATCH_DB, for import and for the readers alike.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../bin/bouncewatch.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'bw-options-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[], env: Record<string, string> = {}) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('BOUNCEWATCH_')));
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: dir, env: { ...clean, ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

// A forged-looking sender from client 192.0.2.7, bounced after accept: backscatter unless the
// client is internal or the sender's domain is ours.
const LOG = join(dir, 'mail.log');
writeFileSync(LOG, `Dec  3 10:00:00 mx1 postfix/smtpd[10]: 4A1B2C3D4E: client=unknown[192.0.2.7]
Dec  3 10:00:00 mx1 postfix/cleanup[11]: 4A1B2C3D4E: message-id=<opt@example.test>
Dec  3 10:00:00 mx1 postfix/qmgr[12]: 4A1B2C3D4E: from=<ghost@shop.victims.test>, size=900, nrcpt=1 (queue active)
Dec  3 10:00:01 mx1 postfix/local[13]: 4A1B2C3D4E: to=<nobody@mx1.example>, relay=local, delay=1, delays=0/0/0/1, dsn=5.1.1, status=bounced (unknown user: "nobody")
Dec  3 10:00:01 mx1 postfix/bounce[14]: 4A1B2C3D4E: sender non-delivery notification: 5B000000A1
Dec  3 10:00:01 mx1 postfix/qmgr[12]: 4A1B2C3D4E: removed
`);

let n = 0;
function judged(args: string[], env: Record<string, string> = {}): { remote: boolean; backscatter: boolean } {
  const db = join(dir, `${++n}.db`);
  const imp = run(['import', '--db', db, '--year', '2026', ...args, LOG], env);
  expect(imp.status, imp.stderr).toBe(0);
  const m = JSON.parse(run(['messages', '--db', db, '--json']).stdout.trim()) as { remote: boolean; backscatter: boolean };
  return { remote: m.remote, backscatter: m.backscatter };
}

const config = (name: string, body: Record<string, unknown>): string => {
  const p = join(dir, name);
  writeFileSync(p, JSON.stringify(body));
  return p;
};

describe('import reads the judgement from the config file, as serve does', () => {
  it('by default the client is remote and the NDR backscatter', () => {
    expect(judged([])).toEqual({ remote: true, backscatter: true });
  });

  it('the config file\'s internal_networks make the client internal (--config and $BOUNCEWATCH_CONFIG)', () => {
    const cfg = config('internal.json', { internal_networks: '127.0.0.1/32,192.0.2.0/24' });
    expect(judged(['--config', cfg])).toEqual({ remote: false, backscatter: false });
    expect(judged([], { BOUNCEWATCH_CONFIG: cfg })).toEqual({ remote: false, backscatter: false });
  });

  it('the config file\'s local_domains make the sender ours', () => {
    const cfg = config('local.json', { local_domains: ['shop.victims.test'] });
    expect(judged(['--config', cfg])).toEqual({ remote: true, backscatter: false });
  });

  it('--local-domains takes domains separated by commas or spaces', () => {
    expect(judged(['--local-domains', 'other.example shop.victims.test'])).toEqual({ remote: true, backscatter: false });
  });

  it('a config written for a public serve (listen 0.0.0.0, token in its environment) still serves the readers', () => {
    const db = join(dir, 'public.db');
    const cfg = config('public.json', { listen: '0.0.0.0:9825', db });
    expect(run(['import', '--config', cfg, '--year', '2026', LOG]).status).toBe(0);
    const r = run(['report', '--json', '--config', cfg]);
    expect(r.status, r.stderr).toBe(0);
    // serve itself still refuses that config without a token.
    expect(run(['config', 'print', '--config', cfg]).stderr).toMatch(/"listen"/);
  });

  it('flags win over the config file', () => {
    const cfg = config('internal2.json', { internal_networks: '192.0.2.0/24' });
    expect(judged(['--config', cfg, '--internal-networks', '127.0.0.1/32'])).toEqual({ remote: true, backscatter: true });
  });

  it('a bad value in the config file stops the import, naming the key', () => {
    const cfg = config('bad.json', { internal_networks: '300.1.1.1/8' });
    const r = run(['import', '--db', join(dir, 'bad.db'), '--config', cfg, LOG]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/config key "internal_networks"/);
    expect(existsSync(join(dir, 'bad.db'))).toBe(false);
  });
});

describe('the database comes from one place for every command', () => {
  it('$BOUNCEWATCH_DB, or the config\'s "db", is where import writes and report reads', () => {
    const viaEnv = join(dir, 'env.db');
    expect(run(['import', '--year', '2026', LOG], { BOUNCEWATCH_DB: viaEnv }).status).toBe(0);
    expect(existsSync(viaEnv)).toBe(true);
    const report = JSON.parse(run(['report', '--json'], { BOUNCEWATCH_DB: viaEnv }).stdout) as { ndrs: number };
    expect(report.ndrs).toBe(1);

    const viaConfig = join(dir, 'cfg.db');
    const cfg = config('db.json', { db: viaConfig });
    expect(run(['import', '--config', cfg, '--year', '2026', LOG]).status).toBe(0);
    expect(existsSync(viaConfig)).toBe(true);
    for (const cmd of [['report', '--json'], ['messages', '--json'], ['advise', '--json']]) {
      const r = run([...cmd, '--config', cfg]);
      expect(r.status, `${cmd[0]}: ${r.stderr}`).toBe(0);
      expect(r.stdout, cmd[0]).toMatch(/4A1B2C3D4E|"ndrs":1|"items"/);
    }
    // --db wins over both.
    expect(JSON.parse(run(['report', '--json', '--config', cfg, '--db', join(dir, 'none.db')]).stdout).ndrs).toBe(0);
  });
});
