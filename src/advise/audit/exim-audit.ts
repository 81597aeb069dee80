// Audits an Exim configuration per listener the ACLs tell apart: does an untrusted client's mail
// for an unknown user, a relay domain's unknown user or a full mailbox reach an `accept` in the
// RCPT ACL unverified, and does content a filter fails after queueing pass the DATA ACL unscanned.
import type { Finding } from './types.ts';
import { renderFix, type Edit } from './fix.ts';
import { firstAccept, isContentCondition, listenerLabel, listeners, type Failure, type Listener } from './exim-eval.ts';
import { listItems, parseExim, type EximAcl, type EximCondition, type EximConfig, type EximStatement } from './exim-parse.ts';

export interface EximAudit {
  findings: Finding[];
  notes: string[];
}

export interface EximAuditOptions {
  /** Reads a file the configuration names (.include, system_filter); null when it cannot. */
  readFile?: (path: string) => string | null;
}

interface DomainClass {
  /** Named domain list, or null when the configuration has none. */
  list: string | null;
  kind: 'local' | 'relay';
}

const REMOTE_DRIVERS = new Set(['manualroute', 'dnslookup', 'queryprogram']);
const LOCAL_DRIVERS = new Set(['accept', 'redirect']);

/** Which named domain lists hold local domains and which relay domains, by the routers that take them. */
function domainClasses(cfg: EximConfig): DomainClass[] {
  const routedBy = (name: string, drivers: Set<string>) =>
    cfg.routers.some((r) => drivers.has(r.options.get('driver') ?? '') && listItems(r.options.get('domains') ?? '').includes(`+${name}`));
  const out: DomainClass[] = [];
  for (const [name, l] of cfg.lists) {
    // An empty list (Debian's relay_to_domains by default) holds no domain to worry about.
    if (l.kind !== 'domainlist' || listItems(l.value).length === 0) continue;
    const remote = routedBy(name, REMOTE_DRIVERS);
    const local = routedBy(name, LOCAL_DRIVERS) || name === 'local_domains';
    if (remote && !local) out.push({ list: name, kind: 'relay' });
    else if (local) out.push({ list: name, kind: 'local' });
    else if (/relay/i.test(name)) out.push({ list: name, kind: 'relay' });
  }
  return out.length > 0 ? out : [{ list: null, kind: 'local' }];
}

/** The names in a domain list when they are all literal (`@` is primary_hostname), else undefined. */
function literalDomains(cfg: EximConfig, list: string | null, depth = 0): string[] | undefined {
  const l = list === null || depth > 5 ? undefined : cfg.lists.get(list);
  if (!l) return undefined;
  const out: string[] = [];
  for (const item of listItems(l.value)) {
    if (item === '@') {
      const host = cfg.main.get('primary_hostname')?.value;
      if (!host || host.includes('$')) return undefined;
      out.push(host.toLowerCase());
    } else if (item.startsWith('+')) {
      const sub = literalDomains(cfg, item.slice(1), depth + 1);
      if (!sub) return undefined;
      out.push(...sub);
    } else if (/^[A-Za-z0-9.-]+$/.test(item)) {
      out.push(item.toLowerCase());
    } else {
      return undefined;
    }
  }
  return out.length > 0 ? out : undefined;
}

function renderCondition(c: EximCondition): string {
  return `${c.negated ? '!' : ''}${c.name}${c.value !== '' || c.name !== 'endpass' ? ` = ${c.value}` : ''}`;
}

/** A statement as config lines: the verb line, then one condition per line under the first. */
export function renderStatement(st: Pick<EximStatement, 'verb' | 'conditions'>): string[] {
  const [first, ...rest] = st.conditions.map(renderCondition);
  return [`  ${st.verb.padEnd(7)} ${first ?? ''}`.trimEnd(), ...rest.map((c) => `          ${c}`)];
}

const cond = (name: string, value: string, negated = false): EximCondition => ({ negated, name, value, line: 0 });

function rcptFix(cls: DomainClass, failure: Failure, unknownToo: boolean): string[] {
  const verify = failure === 'unknown_relay_user' ? 'recipient/callout=10s,defer_ok' : failure === 'over_quota' ? 'recipient/quota' : 'recipient';
  const scope = cls.list === null ? [] : [cond('domains', `+${cls.list}`)];
  if (failure !== 'over_quota') {
    if (cls.list === null) return renderStatement({ verb: 'require', conditions: [cond('verify', verify)] });
    return renderStatement({ verb: 'deny', conditions: [...scope, cond('verify', verify, true)] });
  }
  // A failed quota check has no message of its own ("Administrative prohibition"), and it
  // fails unknown users too: refuse those first, with theirs, when nothing else does.
  return [
    ...(unknownToo ? renderStatement({ verb: 'deny', conditions: [...scope, cond('verify', 'recipient', true)] }) : []),
    ...renderStatement({ verb: 'deny', conditions: [...scope, cond('verify', verify, true), cond('message', '552 5.2.2 Mailbox is full')] }),
  ];
}

const RCPT_TEXT: Record<'unknown_user' | 'unknown_relay_user' | 'over_quota', (list: string, stmt: string) => string> = {
  unknown_user: (list, stmt) =>
    `An untrusted client's RCPT for a user that does not exist in ${list} reaches "${stmt}" without verify = recipient, so it is accepted and the router's failure ("Unrouteable address") becomes a bounce, mostly to forged senders.`,
  unknown_relay_user: (list, stmt) =>
    `An untrusted client's RCPT for ${list} reaches "${stmt}" without a recipient callout: routing a relay domain's address always succeeds, so users the mailbox server does not have are accepted here and bounced when it refuses them.`,
  over_quota: (list, stmt) =>
    `Local mailboxes have an appendfile quota, but an untrusted client's RCPT for ${list} reaches "${stmt}" without verify = recipient/quota (Exim 4.95+), so mail for a full mailbox is accepted and then bounced.`,
};

const RCPT_IDS = { unknown_user: 'exim.rcpt_unverified_local', unknown_relay_user: 'exim.rcpt_unverified_relay', over_quota: 'exim.rcpt_quota_unchecked' } as const;

/** Where the configuration fails content after the message was accepted: the system filter's `fail`, transport filters. */
function afterQueueContent(cfg: EximConfig, opts: EximAuditOptions): string[] {
  const out: string[] = [];
  const filter = cfg.main.get('system_filter')?.value;
  if (filter) {
    const text = opts.readFile?.(filter) ?? null;
    if (text === null) out.push(`system_filter ${filter} (not readable here; a system filter that uses "fail" bounces accepted mail)`);
    else if (text.split('\n').some((l) => !/^\s*#/.test(l) && /\bfail\b/.test(l))) out.push(`system_filter ${filter} (it uses "fail")`);
  }
  for (const t of cfg.transports) {
    if (t.options.has('transport_filter')) out.push(`transport_filter of transport ${t.name}`);
  }
  return out;
}

const SCANNER_TEMPLATE = [
  '  # needs an Exim built with content scanning (Debian: exim4-daemon-heavy) and av_scanner / spamd_address set',
  '  deny    malware = */defer_ok',
  '          message = This message contains malware ($malware_name)',
  '  deny    spam = nobody:true',
  '          condition = ${if >{$spam_score_int}{50}}',
  '          message = This message scored $spam_score spam points',
];

export function auditExim(text: string, opts: EximAuditOptions = {}): EximAudit {
  const cfg = parseExim(text, { readInclude: opts.readFile });
  if (cfg.main.size === 0 && cfg.acls.size === 0) throw new Error('no Exim options or ACLs: not an Exim configuration or exim -bP output');
  const notes = [...cfg.notes];
  const raw: (Finding & { key: string })[] = [];
  const ls = listeners(cfg);
  const labels = (xs: Listener[]) => (xs.length === 1 && xs[0]!.address === null && xs[0]!.port === null ? [] : xs.map(listenerLabel));
  const aclFor = (option: string): EximAcl | null | undefined => {
    const name = cfg.main.get(option)?.value;
    if (!name) return undefined;
    const acl = cfg.acls.get(name);
    if (acl) return acl;
    if (!cfg.hasAclSection) notes.push(`${option} = ${name}: the ACLs are not in this input (plain exim -bP prints main options only); give the configure file or \`exim -bP config\` output to audit them`);
    else notes.push(`${option} = ${name}: no ACL of that name in the input (inline or file ACLs are not audited)`);
    return null;
  };

  const rcpt = aclFor('acl_smtp_rcpt');
  if (rcpt === undefined) notes.push('acl_smtp_rcpt is not set: Exim refuses every RCPT from other hosts, nothing to audit');
  if (rcpt) {
    const quota = cfg.transports.some((t) => t.options.get('driver') === 'appendfile' && /\S/.test(t.options.get('quota') ?? '') && !/^0+[KMG]?$/i.test(t.options.get('quota') ?? ''));
    for (const cls of domainClasses(cfg)) {
      const failures: ('unknown_user' | 'unknown_relay_user' | 'over_quota')[] = cls.kind === 'relay' ? ['unknown_relay_user'] : quota ? ['unknown_user', 'over_quota'] : ['unknown_user'];
      for (const failure of failures) {
        for (const l of ls) {
          const at = firstAccept(rcpt, { listener: l, domainList: cls.list, failure });
          if (at === null) continue;
          const st = rcpt.statements[at]!;
          const list = cls.list ? `+${cls.list}` : 'its domains';
          const domains = literalDomains(cfg, cls.list);
          const unknownToo = failure === 'over_quota' && firstAccept(rcpt, { listener: l, domainList: cls.list, failure: 'unknown_user' }) === at;
          const edits: Edit[] = [{ kind: 'exim-acl', acl: rcpt.name, statement: at + 1, before: st.text, lines: rcptFix(cls, failure, unknownToo) }];
          const fix = renderFix(edits);
          raw.push({
            key: `${RCPT_IDS[failure]}|${cls.list}|${fix}`,
            id: RCPT_IDS[failure],
            mta: 'exim',
            severity: failure === 'over_quota' ? 'medium' : 'high',
            setting: 'acl_smtp_rcpt',
            where: rcpt.name,
            applies_to: labels([l]),
            problem: RCPT_TEXT[failure](list, st.text),
            fix,
            docs: failure === 'unknown_relay_user'
              ? ['Exim spec: Access control lists (verify = recipient)', 'Exim spec: Callout verification']
              : failure === 'over_quota' ? ['Exim spec: Access control lists (verify = recipient/quota, 4.95+)', 'Exim spec: appendfile quota'] : ['Exim spec: Access control lists (verify = recipient)'],
            cause: failure === 'over_quota' ? 'mailbox_full' : 'unknown_recipient',
            ...(domains ? { domains } : {}),
          });
        }
      }
    }
  }

  const rejecters = afterQueueContent(cfg, opts);
  if (rejecters.length > 0) {
    const data = aclFor('acl_smtp_data');
    const mime = aclFor('acl_smtp_mime');
    const newName = cfg.acls.has('acl_check_data') ? 'acl_check_data_scan' : 'acl_check_data';
    for (const l of ls) {
      const s = { listener: l, domainList: null, failure: 'bad_content' as const };
      // A MIME ACL that rejects the content on every path is scanning enough.
      if (mime && firstAccept(mime, s) === null) continue;
      if (data === null) continue;
      const at = data ? firstAccept(data, s) : 0;
      if (at === null) continue;
      const scans = data ? data.statements.filter((st) => st.verb !== 'warn' && st.verb !== 'accept' && st.conditions.some(isContentCondition)) : [];
      const lines = scans.length > 0 ? scans.flatMap(renderStatement) : SCANNER_TEMPLATE;
      const edits: Edit[] = data
        ? [{ kind: 'exim-acl', acl: data.name, statement: at + 1, before: data.statements[at]!.text, lines }]
        : [{ kind: 'exim-main', name: 'acl_smtp_data', value: newName }, { kind: 'exim-acl-new', acl: newName, lines: [...lines, '  accept'] }];
      const fix = renderFix(edits);
      const stmt = data ? `"${data.statements[at]!.text}"` : 'the default (no acl_smtp_data: accept)';
      raw.push({
        key: `exim.content_after_queue|${fix}`,
        id: 'exim.content_after_queue',
        mta: 'exim',
        severity: 'medium',
        setting: 'acl_smtp_data',
        where: data ? data.name : 'main',
        applies_to: labels([l]),
        problem:
          `Messages are failed for their content after they were accepted (${rejecters.join('; ')}), so a virus or spam verdict becomes a bounce to a sender that is almost always forged; ` +
          `and this listener's message reaches ${stmt} in the DATA ACL without ${scans.length > 0 ? 'the content check that ACL has' : 'any content scanning'}. Scan in acl_smtp_data and reject during the SMTP session.`,
        fix,
        docs: ['Exim spec: Content scanning at ACL time', 'Exim spec: The system filter', 'Exim spec: ACLs (acl_smtp_data)'],
        cause: 'content_rejected',
      });
    }
  }

  // One finding per (check, place, fix), naming every listener it applies to.
  const merged = new Map<string, Finding>();
  for (const { key, ...f } of raw) {
    const had = merged.get(key);
    if (had) had.applies_to = [...new Set([...had.applies_to, ...f.applies_to])];
    else merged.set(key, f);
  }
  return { findings: [...merged.values()], notes };
}
