// The human text of `bouncewatch messages`: one block per message, its recipients and its NDR
// indented below. Every line is made visible: senders, replies and host names come from the logs.
import type { MessageRecord } from '../correlate/record.ts';
import { visibleLines } from '../report/terminal-text.ts';

export function formatMessage(m: MessageRecord): string {
  const who = m.client_ip ? `${m.client_name ?? 'unknown'}[${m.client_ip}]` : m.origin;
  const lines = [
    `${m.received_at} ${m.host} ${m.queue_id} ${m.outcome}${m.backscatter ? ' BACKSCATTER' : ''} from <${m.sender ?? '?'}> via ${who}`,
    ...m.recipients.map((r) => `    ${r.status.padEnd(9)} ${r.address === null ? '(address not logged)' : `<${r.address}>`}${r.cause ? ` ${r.cause}: ${r.reason ?? ''}` : ''}`),
    ...(m.ndr ? [`    NDR ${m.ndr.queue_id} to <${m.ndr.to ?? ''}>: ${m.ndr.fate}`] : []),
  ];
  return `${visibleLines(lines)}\n`;
}
