// A throwaway Postfix for the sendmail test: no network listener at all (sendmail -> postdrop
// -> pickup -> local), its own queue and config under a temp dir, and logging through
// postlogd to its own maillog_file, so it never writes to /dev/log, which the e2e harnesses
// own (test/e2e/lib/e2e-lock.ts). Started and stopped with the e2e harness's helpers.
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { PostfixDirs } from '../e2e/postfix/config.ts';
import { preparePostfix, queueEmpty, startPostfix, stopPostfix } from '../e2e/postfix/postfix-ctl.ts';
import { waitUntil } from '../e2e/lib/proc-net.ts';
import type { Daemon } from '../e2e/lib/processes.ts';

export const DOMAIN = 'bw-digest.test';
export const MAILBOX_USER = 'ops';

export interface Instance {
  dirs: PostfixDirs;
  maillog: string;
  mailbox: string;
  /** Environment that points Postfix's sendmail(1) at this instance. */
  env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

function mainCf(d: PostfixDirs, maillog: string): string {
  const p: [string, string][] = [
    ['compatibility_level', '3.6'],
    ['queue_directory', d.queue],
    ['data_directory', d.data],
    ['mail_owner', 'postfix'],
    ['setgid_group', 'postdrop'],
    ['myhostname', `mx.${DOMAIN}`],
    ['mydomain', DOMAIN],
    ['myorigin', '$myhostname'],
    ['mydestination', `$myhostname, ${DOMAIN}`],
    ['inet_interfaces', 'loopback-only'],
    ['inet_protocols', 'ipv4'],
    ['mynetworks', '127.0.0.1/32'],
    ['alias_maps', `hash:${d.config}/aliases`],
    ['alias_database', `hash:${d.config}/aliases`],
    ['allow_mail_to_files', 'alias'],
    // Nothing leaves this machine: any other domain fails at once.
    ['default_transport', 'error:5.4.4 bw-digest test instance: no routing'],
    ['relayhost', ''],
    ['smtp_dns_support_level', 'disabled'],
    ['maillog_file', maillog],
    ['maillog_file_prefixes', d.root],
    ['queue_run_delay', '1s'],
    ['biff', 'no'],
    ['notify_classes', ''],
  ];
  return `${p.map(([k, v]) => `${k} = ${v}`).join('\n')}\n`;
}

// Only unix-domain services: this instance opens no TCP port, so it cannot collide with
// the e2e harnesses' listeners on 127.0.0.x:25.
const MASTER_CF = `pickup    unix  n - n 60 1 pickup
cleanup   unix  n - n - 0 cleanup
qmgr      unix  n - n 300 1 qmgr
rewrite   unix  - - n - - trivial-rewrite
bounce    unix  - - n - 0 bounce
defer     unix  - - n - 0 bounce
trace     unix  - - n - 0 bounce
verify    unix  - - n - 1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n - - proxymap
proxywrite unix - - n - 1 proxymap
showq     unix  n - n - - showq
error     unix  - - n - - error
retry     unix  - - n - - error
discard   unix  - - n - - discard
local     unix  - n n - - local
anvil     unix  - - n - 1 anvil
scache    unix  - - n - 1 scache
smtp      unix  - - n - - smtp
relay     unix  - - n - - smtp
postlog   unix-dgram n - n - 1 postlogd
`;

export async function startInstance(root: string): Promise<Instance> {
  const d: PostfixDirs = {
    root, config: path.join(root, 'etc'), queue: path.join(root, 'spool'), data: path.join(root, 'data'),
    mbox: path.join(root, 'mbox'), log: path.join(root, 'log'),
  };
  // The daemons run as postfix, local(8) file deliveries as nobody: both must get through.
  await chmod(root, 0o755);
  for (const dir of [d.config, d.queue, d.data, d.mbox, d.log]) await mkdir(dir, { recursive: true, mode: 0o755 });
  await chmod(d.mbox, 0o1777);
  const maillog = path.join(d.log, 'maillog');
  const mailbox = path.join(d.mbox, MAILBOX_USER);
  await writeFile(path.join(d.config, 'main.cf'), mainCf(d, maillog));
  await writeFile(path.join(d.config, 'master.cf'), MASTER_CF);
  await writeFile(path.join(d.config, 'aliases'), `${MAILBOX_USER}: ${mailbox}\npostmaster: ${path.join(d.mbox, 'postmaster')}\n`);
  await preparePostfix(d);
  const daemon: Daemon = startPostfix(d);
  await waitUntil('the test Postfix to start', async () => {
    if (daemon.child.exitCode !== null) throw new Error(`postfix exited: ${daemon.output()}`);
    return (await readFile(path.join(d.queue, 'pid', 'master.pid'), 'utf8').catch(() => '')).trim() !== '';
  }, 20_000, 200);
  return {
    dirs: d,
    maillog,
    mailbox,
    // Postfix's sendmail(1) and postdrop(1) read main.cf from MAIL_CONFIG (honoured for root).
    env: { MAIL_CONFIG: d.config },
    stop: () => stopPostfix(d, daemon),
  };
}

/** Waits until the mailbox has a message and the queue is empty; returns the mbox text. */
export async function awaitDelivery(i: Instance, timeoutMs = 30_000): Promise<string> {
  let text = '';
  await waitUntil(`delivery to ${i.mailbox}`, async () => {
    text = await readFile(i.mailbox, 'utf8').catch(() => '');
    return text !== '' && (await queueEmpty(i.dirs));
  }, timeoutMs, 250);
  return text;
}

/** The one message of an mbox: without its "From " envelope line, and with >From unquoted. */
export function mboxMessage(mbox: string): string {
  const lines = mbox.split('\n');
  if (!lines[0]?.startsWith('From ')) throw new Error(`not an mbox: ${lines[0] ?? ''}`);
  return lines.slice(1).map((l) => l.replace(/^>(>*From )/, '$1')).join('\n');
}
