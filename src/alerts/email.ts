// The email channel: each notification as a text and HTML mail through the digest's
// transports (sendmail, smtp://HOST:PORT), marked auto-generated (RFC 3834).
import { defaultFrom, deliver, describeTransport, type TransportSpec } from '../digest/mail.ts';
import { htmlText, plainText, subject } from './render.ts';
import type { Channel, Notice } from './types.ts';

export class EmailChannel implements Channel {
  readonly name = 'email';
  readonly target: string;

  constructor(private readonly transport: Exclude<TransportSpec, { kind: 'stdout' }>, private readonly to: string[], private readonly from = defaultFrom()) {
    this.target = `${to.join(', ')} by ${describeTransport(transport)}`;
  }

  async send(n: Notice): Promise<void> {
    const sent = await deliver(this.transport, {
      from: this.from, to: this.to, subject: subject(n), text: plainText(n), html: htmlText(n),
      headers: { 'Auto-Submitted': 'auto-generated', 'X-Bouncewatch-Alert': n.kind },
      disableFileAccess: true, disableUrlAccess: true,
    }, 'an alert');
    if (sent.accepted.length === 0) throw new Error(`email ${this.target}: no recipient was accepted (${sent.rejected.join(', ')})`);
  }
}
