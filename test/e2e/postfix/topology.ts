// Names and addresses shared by the Postfix config, the peers and the scenarios: which
// loopback address plays which role, and which domains are local, relayed or "the internet".
export const HOSTNAME = 'mx1.pfx.test';
/** Host field of the syslog lines (rsyslog's localHostName): the first label of HOSTNAME. */
export const SYSLOG_HOST = 'mx1';

export const LOCAL_DOMAIN = 'pfx.test';
export const RELAY_DOMAIN = 'relay.pfx.test';
/** A second relay domain whose server advertises SIZE: Postfix refuses to send big mail itself. */
export const SMALL_DOMAIN = 'small.pfx.test';

export const LISTEN = {
  open: { ip: '127.0.0.11', port: 25 },
  strict: { ip: '127.0.0.12', port: 25 },
  filtered: { ip: '127.0.0.13', port: 25 },
  // FILTER_README's "simple content filter": a pipe(8) script that re-injects with sendmail.
  simplefilter: { ip: '127.0.0.14', port: 25 },
  reinject: { ip: '127.0.0.1', port: 10025 },
  // SMTPD_PROXY_README's before-queue filter: this smtpd hands each transaction to the proxy
  // filter as it happens, and the filter passes accepted mail to proxyback with XFORWARD.
  proxy: { ip: '127.0.0.15', port: 25 },
  proxyback: { ip: '127.0.0.1', port: 10026 },
  // An after-queue filter (content_filter=smtp:) that answers in its own words, not "queued as".
  ownwords: { ip: '127.0.0.16', port: 25 },
} as const;

/** Node peers: the content filter, the downstream mailbox server and "the internet". */
export const PEERS = {
  amavis: { ip: '127.0.0.1', port: 10024 },
  proxyfilter: { ip: '127.0.0.1', port: 10030 }, // the before-queue (smtpd_proxy_filter) filter
  replyfilter: { ip: '127.0.0.1', port: 10028 }, // the after-queue filter of the ownwords listener
  downstream: { ip: '127.0.0.31', port: 25 }, // relay.pfx.test's mailbox server
  smallbox: { ip: '127.0.0.32', port: 25 }, // small.pfx.test's server (EHLO SIZE 20000)
  internet: { ip: '127.0.0.41', port: 25 }, // MX of *.victims.test and ext.test
} as const;

/** Sender domain that "does not exist": routed to Postfix's error transport. */
export const NXDOMAIN = 'nxdomain.victims.test';

/** The EICAR-like marker both content checks look for (not the real EICAR string). */
export const VIRUS_MARKER = 'BW-EICAR-LIKE-TEST-SIGNATURE-7f3a';
export const VIRUS_NAME = 'Eicar-Test-Signature';

/** Marker the before-queue proxy filter refuses at end of DATA (5xx to the client: no queue file). */
export const SPAM_MARKER = 'BW-PROXY-SPAM-MARKER-41c9';
/** Marker that makes the own-words filter answer `250 OK id=QUEUEID` instead of `250 2.0.0 Ok: accepted (QUEUEID)`. */
export const ID_FORM_MARKER = 'BW-REPLY-FORM-ID';

/** Size limit in bytes of big*@relay.pfx.test (checked at end of DATA) and of small.pfx.test. */
export const DOWNSTREAM_MAX_SIZE = 20_000;
