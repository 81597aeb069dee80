// Builds the RFC 5322 text the harness sends: fixed headers with a unique Message-ID that the
// truth file and bouncewatch's output are matched on, and an optional padded body for size tests.
export interface MessageSpec {
  messageId: string; // without <>
  from: string; // "" for the null sender
  to: string[];
  subject: string;
  body?: string;
  /** Pad the body with this many extra bytes (to trip a downstream size limit). */
  padBytes?: number;
  date?: Date;
}

export function buildMessage(m: MessageSpec): string {
  const headers = [
    `Date: ${(m.date ?? new Date()).toUTCString().replace('GMT', '+0000')}`,
    `From: ${m.from === '' ? 'MAILER-DAEMON <>' : `<${m.from}>`}`,
    `To: ${m.to.map((t) => `<${t}>`).join(', ')}`,
    `Subject: ${m.subject}`,
    `Message-ID: <${m.messageId}>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=us-ascii',
  ];
  const body = [m.body ?? 'bouncewatch end-to-end test message.'];
  if (m.padBytes && m.padBytes > 0) {
    const line = 'x'.repeat(76);
    for (let n = 0; n < m.padBytes; n += line.length + 2) body.push(line);
  }
  return `${headers.join('\r\n')}\r\n\r\n${body.join('\r\n')}\r\n`;
}
