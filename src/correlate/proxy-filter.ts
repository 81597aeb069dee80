// Filters that pass the client on with XFORWARD (SMTPD_PROXY_README's before-queue proxy, and
// after-queue filters such as amavis): the queue file is made by an smtpd behind the filter,
// whose own client is the filter (127.0.0.1). The sender's client is the one it logs as orig_client.
import type { Client, MailEvent } from '../parse/events.ts';

type ClientEvent = Extract<MailEvent, { kind: 'client' }>;

/**
 * The client a message came from: `orig_client` when the smtpd logged one. Postfix takes
 * XFORWARD only from smtpd_authorized_xforward_hosts, so it is the filter's word, not the
 * sender's; judging `remote` and backscatter on 127.0.0.1 would hide every forged sender.
 */
export function originalClient(ev: ClientEvent): Client {
  return ev.origClient ?? ev.client;
}
