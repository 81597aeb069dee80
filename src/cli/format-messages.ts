// The human text of `bouncewatch messages`: one block per message, its recipients and its
// notifications (NDRs, delay warnings, ...) with their fates indented below. Every line is made
// visible: senders, replies and host names come from the logs.
import type { MessageRecord } from '../correlate/record.ts';
import { visibleLines } from '../report/terminal-text.ts';

const NOTICE: Record<MessageRecord['notifications'][number]['type'], string> = {
  non_delivery: 'NDR', delay: 'delay warning', success: 'success notice', postmaster_copy: 'postmaster copy',
};

export function formatMessage(m: MessageRecord): string {
  const who = m.client_ip ? `${m.client_name ?? 'unknown'}[${m.client_ip}]` : m.origin;
  const lines = [
    `${m.received_at} ${m.host} ${m.queue_id} ${m.outcome}${m.backscatter ? ' BACKSCATTER' : ''} from <${m.sender ?? '?'}> via ${who}`,
    ...m.recipients.map((r) => `    ${r.status.padEnd(9)} ${r.address === null ? '(address not logged)' : `<${r.address}>`}${r.cause ? ` ${r.cause}: ${r.reason ?? ''}` : ''}`),
    ...m.notifications.map((n) => `    ${NOTICE[n.type]} ${n.queue_id} to ${n.to !== null ? `<${n.to}>` : n.type === 'postmaster_copy' ? '(postmaster)' : '(sender unknown)'}: ${n.fate}`),
  ];
  return `${visibleLines(lines)}\n`;
}
