// bouncewatch's own log: pino JSON lines, pretty when a person watches a terminal.
import pino from 'pino';

export type Logger = pino.Logger;

export function makeLogger(level: string): Logger {
  if (process.stdout.isTTY) {
    return pino({ level, transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:standard' } } });
  }
  return pino({ level });
}
