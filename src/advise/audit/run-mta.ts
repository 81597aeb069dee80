// Finds and runs the MTA's own tools when no configuration file is given: `postconf -n` and
// `postconf -M` for Postfix, `exim4 -bP config` (or `exim`) for Exim, from $PATH only.
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

export function onPath(name: string, env: NodeJS.ProcessEnv = process.env): string | null {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const p = path.join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return null;
}

export interface Ran {
  ok: boolean;
  stdout: string;
  /** First line of stderr, or the spawn error. */
  reason: string;
}

export function runTool(bin: string, args: string[]): Ran {
  const r = spawnSync(bin, args, { encoding: 'utf8', maxBuffer: 64 << 20, timeout: 60_000 });
  const reason = r.error?.message ?? r.stderr.split('\n').find((l) => l.trim() !== '') ?? `exit status ${r.status}`;
  return { ok: r.status === 0 && !r.error, stdout: r.stdout ?? '', reason };
}

export interface Collected {
  postfix?: { main: string; master?: string; source: string };
  exim?: { text: string; source: string };
  /** What was run, for the message on stderr. */
  ran: string[];
  notes: string[];
}

/** Runs whichever MTA tools are on PATH; throws with one line when none is, or when one fails. */
export function collectFromPath(env: NodeJS.ProcessEnv = process.env): Collected {
  const out: Collected = { ran: [], notes: [] };
  const postconf = onPath('postconf', env);
  if (postconf) {
    const n = runTool(postconf, ['-n']);
    if (!n.ok) throw new Error(`${postconf} -n failed: ${n.reason}`);
    const m = runTool(postconf, ['-M']);
    out.ran.push(`${postconf} -n`, `${postconf} -M`);
    if (!m.ok) out.notes.push(`${postconf} -M failed (${m.reason}): audited main.cf without master.cf overrides`);
    out.postfix = { main: n.stdout, ...(m.ok ? { master: m.stdout } : {}), source: m.ok ? `${postconf} -n, ${postconf} -M` : `${postconf} -n` };
  }
  const exim = onPath('exim4', env) ?? onPath('exim', env);
  if (exim) {
    // -bP config prints the whole configuration, ACLs included; plain -bP only main options.
    let r = runTool(exim, ['-bP', 'config']);
    let source = `${exim} -bP config`;
    if (!r.ok) {
      out.notes.push(`${exim} -bP config failed (${r.reason}); fell back to ${exim} -bP, which has no ACLs`);
      r = runTool(exim, ['-bP']);
      source = `${exim} -bP`;
    }
    if (!r.ok) throw new Error(`${exim} -bP failed: ${r.reason}`);
    out.ran.push(source);
    out.exim = { text: r.stdout, source };
  }
  if (!postconf && !exim) {
    throw new Error('no configuration given, and neither postconf nor exim4/exim is on PATH: use --postconf FILE (postconf -n output or main.cf) or --exim FILE');
  }
  return out;
}
