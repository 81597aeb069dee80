// Refusals that name a blocklist (DNSBL/RBL): the text that says so, and the list's name, so
// that reports and advice can group listings by list. Shapes from Postfix reject_rbl_client and
// postscreen ("blocked using ZONE"), Exim dnslists ("is in a black list at ZONE"), and the
// replies big receivers give when the sending server is listed.

/**
 * A refusal because a client, sender or HELO is on a blocklist. "listed" alone is not enough:
 * Domino says "not listed in Domino Directory" for an unknown user, and "greylisted" is a delay.
 * List names stand alone (\b): a content filter's rule name such as RCVD_IN_BL_SPAMCOP_NET
 * is a spam verdict, not a listing of this server.
 */
export const LISTING =
  /blocked using |\b(?:black|block|deny|ban)[- ]?list(?:ed|ing|s)?\b|(?<!\bnot )\blisted (?:at|in|on|by)\b|\bis in an? (?:RBL|DNSBL)\b|\b(?:RBL\+?|DNSBL|DNSLIST)\b|\bdnsbl-|\b(?:spamhaus|spamcop|barracudacentral|barracuda reputation|backscatterer|sorbs|uceprotect|psbl)\b|abuseat\.org|mail-abuse\.(?:com|org)/i;

/** A DNS zone such as zen.spamhaus.org or rbl2.test.ex: labels, at least one dot, a letter TLD. */
const ZONE = String.raw`((?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z][a-z0-9-]*[a-z0-9])`;
/** Postfix: "blocked using zen.spamhaus.org;" or "blocked using Trend Micro RBL+. Please see". */
const USING = /blocked using (.+?)(?:[;,]|\s\(|\.\s|\.?$)/i;
/** "listed in rbl2.test.ex", "in a black list at dnsbl.sorbs.net", "dnsbl zen.spamhaus.org", "DNSLIST (rbl.test.ex: ...)". */
const NAMED = new RegExp(String.raw`(?:\blisted|black ?list|block ?list|\bdnsbl|\bdnslist|\brbl)\s*\(?(?:(?:at|in|on|by)\s+)?(?:domain\s+)?${ZONE}\b`, 'i');
/** Known list operators, wherever they are named (a lookup URL, a bare name). */
const OPERATOR = /\b((?:[a-z0-9-]+\.)*(?:spamhaus|spamcop|barracudacentral|backscatterer|sorbs|uceprotect|abuseat|mail-abuse|psbl\.surriel)\.(?:org|net|com))\b/i;
const BARE = /\b(spamhaus|spamcop|barracuda|backscatterer|sorbs|uceprotect)\b/i;
/** The host of a lookup URL ("Blocked - see https://support.proofpoint.com/dnsbl-lookup.cgi?ip=..."). */
const URL_HOST = new RegExp(String.raw`\bhttps?://${ZONE}`, 'i');

const MAX_NAME = 60;

/** Does this refusal say the client (or its domain) is on a blocklist? */
export const isListing = (reason: string): boolean => LISTING.test(reason);

/**
 * The name of the list a refusal names, lower-cased (zen.spamhaus.org, bl.spamcop.net), or null
 * when the text names none (a receiver's own list: "on our block list (S3140)").
 */
export function listName(reason: string | null | undefined): string | null {
  if (!reason || !isListing(reason)) return null;
  const named = USING.exec(reason)?.[1] ?? NAMED.exec(reason)?.[1] ?? OPERATOR.exec(reason)?.[1] ?? BARE.exec(reason)?.[1];
  if (named) return tidy(named);
  // A lookup page names its operator; the page of a receiver's own list names the receiver.
  const host = URL_HOST.exec(reason)?.[1];
  return host ? tidy(host.split('.').slice(-2).join('.')) : null;
}

function tidy(name: string): string {
  return name.trim().replace(/^www\./i, '').toLowerCase().slice(0, MAX_NAME);
}
