// Exim's NDR (`<= <> R=ORIG U=Debian-exim P=local`) and its fate: delivered, refused by the
// sender's server or unroutable (then frozen, and dropped by the errmsg timer two days on),
// or greylisted first. A sender in our domains gets it in a local mailbox.
import type { Ctx } from '../context.ts';
import { Weighted } from '../random.ts';
import type { Fate } from '../truth.ts';
import { completed, deferredLine, delivered, ex, failedLine } from './ex.ts';

const FATES = new Weighted<'delivered' | 'rejected' | 'undeliverable' | 'greylisted'>([
  ['delivered', 55], ['rejected', 25], ['undeliverable', 12], ['greylisted', 8],
]);
/** ignore_bounce_errors_after, as Debian sets it. */
const ERRMSG_TIMER = 2 * 86_400_000;

/**
 * A frozen message after a failed delivery to `address`: the errmsg timer thaws it, the
 * failure repeats, and the error is ignored. Returns when that happened, or Infinity when
 * the log ends first (it is still frozen there).
 */
export function frozenToEnd(ctx: Ctx, t: number, id: string, address: string): number {
  const at = t + ERRMSG_TIMER + ctx.r.int(0, 1_800_000);
  if (at + 60_000 > ctx.end) return Number.POSITIVE_INFINITY;
  ex(ctx, at, `${id} Unfrozen by errmsg timer`);
  ex(ctx, at + ctx.r.int(10, 500), `${id} ${address}: error ignored`);
  return at + 501;
}

export function eximNdr(ctx: Ctx, t: number, origId: string, sender: string, local: boolean): { id: string; fate: Fate } {
  const r = ctx.r;
  const id = ctx.host.eximId(t);
  ex(ctx, t, `${id} <= <> R=${origId} U=Debian-exim P=local S=${r.int(1700, 9000)} T="Mail delivery failed: returning message to sender" for ${sender}`);
  let at = t + r.delay(200, 10);
  if (local) {
    delivered(ctx, at, id, 'mailbox', sender, '', { queuedMs: at - t });
    completed(ctx, at + r.int(2, 30), id);
    return { id, fate: 'delivered' };
  }
  let fate: Fate;
  switch (FATES.pick(r)) {
    case 'delivered':
      delivered(ctx, at, id, 'remote', sender, '', { queuedMs: at - t });
      fate = 'delivered';
      break;
    case 'rejected':
      failedLine(ctx, at, id, 'remote', sender, '', { reply: `550 5.1.1 <${sender}>: Recipient address rejected: User unknown in virtual mailbox table` });
      ex(ctx, at + 5, `${id} Frozen (delivery error message)`);
      at = frozenToEnd(ctx, at + 5, id, sender);
      fate = 'rejected';
      break;
    case 'undeliverable':
      failedLine(ctx, at, id, 'remote', sender, '', { text: 'Unrouteable address' });
      ex(ctx, at + 5, `${id} Frozen (delivery error message)`);
      at = frozenToEnd(ctx, at + 5, id, sender);
      fate = 'undeliverable';
      break;
    case 'greylisted': {
      deferredLine(ctx, at, id, 'remote', sender, false);
      const retry = at + r.int(900_000, 1_800_000);
      if (retry > ctx.end) return { id, fate: 'deferred' };
      at = retry;
      delivered(ctx, at, id, 'remote', sender, '', { queuedMs: at - t });
      fate = 'delivered';
      break;
    }
  }
  if (at !== Number.POSITIVE_INFINITY) completed(ctx, at + r.int(2, 30), id);
  return { id, fate };
}
