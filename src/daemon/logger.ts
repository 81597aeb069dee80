// bouncewatch's own log: pino JSON lines, pretty when a person watches a terminal.
import pino from 'pino';

export type Logger = pino.Logger;

/** A logger on standard output (serve), or on standard error (fd 2: commands whose output is their result). */
export function makeLogger(level: string, fd: 1 | 2 = 1): Logger {
  if ((fd === 1 ? process.stdout : process.stderr).isTTY) {
    return pino({ level, transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:standard', destination: fd } } });
  }
  return fd === 1 ? pino({ level }) : pino({ level }, pino.destination(2));
}
