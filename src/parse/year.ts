// Classic syslog lines carry no year. This picks one from a reference time (the file's mtime,
// "now", or an explicit --year) so the same file always gets the same timestamps.

const DAY_MS = 86_400_000;

/**
 * With an explicit year, that is the year of the first line; each later line gets the year
 * that puts it nearest to the line before it, so Dec -> Jan moves into the next year, and a
 * stray `Jan  1` line inside a December log is a one-line excursion: the December line after
 * it is nearer in the old year, so the rest of the file stays there. Without one, each line
 * gets the year that puts it at or before the reference time (plus a day of clock skew): a
 * log never holds lines from the future, so December lines read in January belong to last year.
 */
export class YearGuesser {
  private year: number | undefined;
  /** The line before: year * 372 + month * 31 + day (a month-and-day ordinal, exact enough). */
  private last = -1;

  constructor(
    private readonly explicitYear: number | undefined,
    private readonly refTime: () => number = Date.now,
    /** Where an earlier import of the same file stopped (`state`), so a resumed import goes on in its year. */
    resume?: number,
  ) {
    this.year = explicitYear;
    if (explicitYear !== undefined && resume !== undefined && resume > 0) {
      this.last = resume;
      this.year = Math.floor(resume / 372);
    }
  }

  /** The last line's year, month and day as one number, to be saved with the read position. */
  get state(): number | undefined {
    return this.last >= 0 ? this.last : undefined;
  }

  yearFor(month: number, day: number): number {
    if (this.explicitYear !== undefined) {
      let year = this.year ?? this.explicitYear;
      const at = month * 31 + day;
      if (this.last >= 0 && at !== this.last - year * 372) {
        const away = (y: number) => Math.abs(y * 372 + at - this.last);
        if (away(year + 1) < away(year)) year++;
        else if (away(year - 1) < away(year)) year--;
      }
      this.year = year;
      this.last = year * 372 + at;
      return year;
    }
    const ref = this.refTime();
    const refYear = new Date(ref).getFullYear();
    const t = new Date(refYear, month, day).getTime();
    return t > ref + DAY_MS ? refYear - 1 : refYear;
  }
}
