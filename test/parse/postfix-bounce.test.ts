// postfix/bounce: the notification a message got (to its sender, to the postmaster, a delay
// warning) and the queue id of that notification, which the tracker links to the original.
import { parserTable } from './table.ts';

parserTable('postfix/bounce', [
  ['Dec  3 12:48:59 mx1 postfix/bounce[9018]: 470302107D2: sender non-delivery notification: 677912107E5', { kind: 'notification', qid: '470302107D2', type: 'sender_ndr', newQid: '677912107E5' }],
  ['Dec  3 12:49:00 mx1 postfix/bounce[9023]: A47942102FC: postmaster non-delivery notification: B3D472107B6', { kind: 'notification', qid: 'A47942102FC', type: 'postmaster_ndr', newQid: 'B3D472107B6' }],
  ['Dec  3 12:49:02 mx1 postfix/bounce[9019]: 388F52107B4: sender delay notification: 143D42102F5', { kind: 'notification', qid: '388F52107B4', type: 'delay', newQid: '143D42102F5' }],
  // The harness's delay_warning_time in seconds: bounce's template warnings name no message.
  ['Dec  3 12:49:02 mx1 postfix/bounce[9019]: warning: please reduce time unit "hours" of "delay_warning_time_hours" in delay template', 'known'],
]);
