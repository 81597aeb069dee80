// Classic syslog lines carry no year. This picks one from a reference time (the file's mtime,
// "now", or an explicit --year) so the same file always gets the same timestamps.

const DAY_MS = 86_400_000;

/**
 * With an explicit year, that is the year of the first line, and a jump back of more than
 * six months (Dec -> Jan) moves to the next year. Without one, each line gets the year that
 * puts it at or before the reference time (plus a day of clock skew): a log never holds
 * lines from the future, so December lines read in January belong to last year.
 */
export class YearGuesser {
  private year: number | undefined;
  private lastMonth = -1;

  constructor(
    private readonly explicitYear: number | undefined,
    private readonly refTime: () => number = Date.now,
  ) {
    this.year = explicitYear;
  }

  yearFor(month: number, day: number): number {
    if (this.explicitYear !== undefined) {
      if (this.lastMonth >= 0 && month < this.lastMonth - 6) this.year = (this.year ?? this.explicitYear) + 1;
      this.lastMonth = month;
      return this.year ?? this.explicitYear;
    }
    const ref = this.refTime();
    const refYear = new Date(ref).getFullYear();
    const t = new Date(refYear, month, day).getTime();
    return t > ref + DAY_MS ? refYear - 1 : refYear;
  }
}
