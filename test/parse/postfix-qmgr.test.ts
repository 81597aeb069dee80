// postfix/qmgr: the envelope sender, size and recipient count of each message it takes in, a
// queue file's removal (the id may be reused after it), and the queue lifetime running out.
import { parserTable } from './table.ts';

parserTable('postfix/qmgr', [
  ['Dec  3 12:48:59 mx1 postfix/qmgr[8999]: 388F52107B4: from=<ghost161@shop161.victims.test>, size=471, nrcpt=1 (queue active)', { kind: 'envelope', qid: '388F52107B4', sender: 'ghost161@shop161.victims.test', size: 471, nrcpt: 1 }],
  ['Dec  3 12:48:59 mx1 postfix/qmgr[8999]: 53F782107DF: from=<ghost12@shop12.victims.test>, size=461, nrcpt=2 (queue active)', { kind: 'envelope', qid: '53F782107DF', sender: 'ghost12@shop12.victims.test', size: 461, nrcpt: 2 }],
  // An NDR: the null sender.
  ['Dec  3 12:48:59 mx1 postfix/qmgr[8999]: 677912107E5: from=<>, size=2229, nrcpt=1 (queue active)', { kind: 'envelope', qid: '677912107E5', sender: '', size: 2229, nrcpt: 1 }],
  // The postmaster copy of an NDR comes from double-bounce.
  ['Dec  3 12:48:59 mx1 postfix/qmgr[8999]: 3F58D2107C2: from=<double-bounce@mx1.pfx.test>, size=227, nrcpt=1 (queue active)', { kind: 'envelope', qid: '3F58D2107C2', sender: 'double-bounce@mx1.pfx.test', size: 227, nrcpt: 1 }],
  ['Dec  3 12:48:59 mx1 postfix/qmgr[8999]: 3F58D2107C2: removed', { kind: 'removed', qid: '3F58D2107C2' }],
  ['Dec  3 12:49:23 mx1 postfix/qmgr[8999]: 388F52107B4: from=<ghost161@shop161.victims.test>, status=expired, returned to sender', { kind: 'expired', qid: '388F52107B4', sender: 'ghost161@shop161.victims.test' }],
]);
