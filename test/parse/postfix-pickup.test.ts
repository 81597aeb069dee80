// postfix/pickup: mail submitted on this machine (sendmail, or a pipe filter re-injecting),
// with the submitting uid and the envelope sender.
import { parserTable } from './table.ts';

parserTable('postfix/pickup', [
  ['Dec  3 12:49:01 mx1 postfix/pickup[8998]: 1EE952107B8: uid=0 from=<ghost152@shop152.victims.test>', { kind: 'pickup', qid: '1EE952107B8', uid: '0', sender: 'ghost152@shop152.victims.test' }],
  // uid 65534 (nobody): the simple pipe filter's sendmail re-injection.
  ['Dec  3 12:49:01 mx1 postfix/pickup[8998]: 8D28C2107BA: uid=65534 from=<news202@ext.test>', { kind: 'pickup', qid: '8D28C2107BA', uid: '65534', sender: 'news202@ext.test' }],
]);

parserTable('Postfix bookkeeping programs (master, postfix-script, verify)', [
  ['Dec  3 12:48:59 mx1 postfix/master[8997]: daemon started -- version 3.7.11, configuration /tmp/bw-e2e-postfix-nNzSBh/etc', 'known'],
  ['Dec  3 12:48:58 mx1 postfix/postfix-script[8996]: starting the Postfix mail system', 'known'],
  ['Dec  3 12:48:59 mx1 postfix/verify[9007]: cache btree:/tmp/bw-e2e-postfix-nNzSBh/data/verify_cache full cleanup: retained=0 dropped=0 entries', 'known'],
]);
