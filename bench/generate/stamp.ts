// Line time stamps in the three prefix shapes (classic syslog, RFC 3339, Exim mainlog), in UTC.
// Built from cached day strings and a two-digit table: Date formatting per line would cap
// the generator far below a million lines a second.
import type { Format } from './options.ts';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAY_MS = 86_400_000;
const TWO = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
const THREE = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));

export class Stamper {
  private day = Number.NaN;
  private dayText = '';
  private micro = 0;

  constructor(private readonly format: Format) {}

  /** The prefix for time `t` (ms, UTC), including the separating space. */
  stamp(t: number): string {
    const day = Math.floor(t / DAY_MS);
    if (day !== this.day) this.newDay(day);
    let rest = t - day * DAY_MS;
    const ms = rest % 1000;
    rest = (rest - ms) / 1000;
    const s = rest % 60;
    rest = (rest - s) / 60;
    const clock = `${TWO[(rest - (rest % 60)) / 60]}:${TWO[rest % 60]}:${TWO[s]}`;
    if (this.format !== 'rfc3339') return `${this.dayText}${clock} `;
    // rsyslog writes microseconds; the last three digits only need to look alive.
    this.micro = (this.micro + 337) % 1000;
    return `${this.dayText}${clock}.${THREE[ms]}${THREE[this.micro]}+00:00 `;
  }

  private newDay(day: number): void {
    this.day = day;
    const d = new Date(day * DAY_MS);
    const y = d.getUTCFullYear();
    const mo = d.getUTCMonth();
    const dd = d.getUTCDate();
    if (this.format === 'classic') this.dayText = `${MONTHS[mo]} ${String(dd).padStart(2, ' ')} `;
    else if (this.format === 'mainlog') this.dayText = `${y}-${TWO[mo + 1]}-${TWO[dd]} `;
    else this.dayText = `${y}-${TWO[mo + 1]}-${TWO[dd]}T`;
  }
}
