// Golden tests: imports each Lightmeter scenario log and checks `messages --json` and `report --json`
// against the hand-written expectations in test/golden/lightmeter/. They run in this process
// (in-process.ts, the CLI's own functions); one contract test runs the real CLI and wants the same bytes.
import { describe, it, expect, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { importAndRead, type Printed } from './in-process.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

interface GoldenMessage {
  host: string;
  queue_id: string;
  fields: JsonObject; // every other key of the expected message, as written
}

interface GoldenFile {
  file: string;
  source: string;
  year: number;
  messages: GoldenMessage[];
  smtpRejects: number;
}

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../..');
const corporaRoot = path.resolve(here, '../../../shared/corpora');
const goldenDir = path.join(here, 'lightmeter');
const cli = path.join(repoRoot, 'bin', 'bouncewatch.js');
const corporaPresent = existsSync(corporaRoot);

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseJson(text: string, what: string): Json {
  try {
    return JSON.parse(text) as Json;
  } catch (error) {
    throw new Error(`${what}: not valid JSON: ${text.slice(0, 200)}`, { cause: error });
  }
}

function requireString(obj: JsonObject, key: string, what: string): string {
  const value = obj[key];
  if (typeof value !== 'string') throw new Error(`${what}: "${key}" must be a string`);
  return value;
}

function requireNumber(obj: JsonObject, key: string, what: string): number {
  const value = obj[key];
  if (typeof value !== 'number') throw new Error(`${what}: "${key}" must be a number`);
  return value;
}

function loadGolden(file: string): GoldenFile {
  const raw = parseJson(readFileSync(path.join(goldenDir, file), 'utf8'), file);
  if (!isObject(raw)) throw new Error(`${file}: top level must be an object`);
  const list = raw['messages'];
  if (!Array.isArray(list)) throw new Error(`${file}: "messages" must be an array`);
  const messages = list.map((entry, i): GoldenMessage => {
    const what = `${file} messages[${i}]`;
    if (!isObject(entry)) throw new Error(`${what}: must be an object`);
    const { host: _host, queue_id: _queueId, ...fields } = entry;
    return { host: requireString(entry, 'host', what), queue_id: requireString(entry, 'queue_id', what), fields };
  });
  requireString(raw, 'notes', file);
  return {
    file,
    source: requireString(raw, 'source', file),
    year: requireNumber(raw, 'year', file),
    messages,
    smtpRejects: requireNumber(raw, 'smtp_rejects', file),
  };
}

const goldenFiles = existsSync(goldenDir)
  ? readdirSync(goldenDir)
      .filter((name) => name.endsWith('.expected.json'))
      .sort()
      .map(loadGolden)
  : [];

if (!corporaPresent) {
  console.warn(
    `[golden] SKIPPING ${goldenFiles.length} Lightmeter golden tests: corpora not found at ${corporaRoot}`,
  );
}

let workDir: string | undefined;
function tempDb(name: string): string {
  workDir ??= mkdtempSync(path.join(tmpdir(), 'bouncewatch-golden-'));
  return path.join(workDir, `${name}.db`);
}

afterAll(() => {
  if (workDir !== undefined) rmSync(workDir, { recursive: true, force: true });
});

function runCli(args: string[]): string {
  return execFileSync(process.execPath, [cli, ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  });
}

/** The real CLI, in three processes, as a postmaster runs it. */
function printedByCli(name: string, logPath: string, year: number): Printed {
  const db = tempDb(name);
  runCli(['import', '--db', db, '--year', String(year), logPath]);
  return { messages: runCli(['messages', '--db', db, '--json']), report: runCli(['report', '--db', db, '--json']) };
}

const key = (host: string, queueId: string): string => `${host}/${queueId}`;
const nameOf = (golden: GoldenFile): string => golden.file.replace(/\.expected\.json$/, '');

/** Expected `null` means "no value": the CLI may print null or leave the key out. */
function expectField(actual: Json | undefined, expected: Json, where: string): void {
  if (expected === null) {
    expect(actual ?? null, where).toBeNull();
  } else {
    expect(actual, where).toEqual(expected);
  }
}

/** Checks only the keys present in `expected`. */
function expectSubset(actual: Json | undefined, expected: JsonObject, where: string): void {
  expect(isObject(actual), `${where}: expected an object, got ${JSON.stringify(actual)}`).toBe(true);
  if (!isObject(actual)) return;
  for (const [name, value] of Object.entries(expected)) {
    expectField(actual[name], value, `${where}.${name}`);
  }
}

function expectRecipients(actual: Json | undefined, expected: Json[], where: string): void {
  expect(Array.isArray(actual), `${where}: expected an array, got ${JSON.stringify(actual)}`).toBe(true);
  if (!Array.isArray(actual)) return;
  const byAddress = new Map<string, JsonObject>();
  for (const recipient of actual) {
    if (isObject(recipient) && typeof recipient['address'] === 'string') {
      byAddress.set(recipient['address'], recipient);
    }
  }
  const expectedAddresses = expected.map((r) => (isObject(r) ? String(r['address']) : '?')).sort();
  expect([...byAddress.keys()].sort(), `${where}: recipient addresses`).toEqual(expectedAddresses);
  for (const recipient of expected) {
    if (!isObject(recipient)) continue;
    const address = String(recipient['address']);
    expectSubset(byAddress.get(address), recipient, `${where}[${address}]`);
  }
}

function expectMessage(actual: JsonObject, expected: GoldenMessage): void {
  const where = key(expected.host, expected.queue_id);
  for (const [name, value] of Object.entries(expected.fields)) {
    const got = actual[name];
    if (name === 'recipients' && Array.isArray(value)) {
      expectRecipients(got, value, `${where}.recipients`);
    } else if (name === 'ndr' && isObject(value)) {
      expectSubset(got, value, `${where}.ndr`);
    } else {
      expectField(got, value, `${where}.${name}`);
    }
  }
}

/** Checks what `messages --json` and `report --json` printed against one golden file. */
function expectGolden(golden: GoldenFile, output: Printed): void {
  const name = nameOf(golden);
    const printed = output.messages
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line.length > 0)
      .map((line, i) => parseJson(line, `${name} messages line ${i + 1}`));

    const actual = new Map<string, JsonObject>();
    const actualKeys: string[] = [];
    for (const message of printed) {
      expect(isObject(message), `${name}: each printed line must be a JSON object`).toBe(true);
      if (!isObject(message)) continue;
      const k = key(String(message['host']), String(message['queue_id']));
      actualKeys.push(k);
      actual.set(k, message);
    }
    expect(actualKeys.length, `${name}: a (host, queue_id) was printed more than once`).toBe(actual.size);

    const expectedKeys = golden.messages.map((m) => key(m.host, m.queue_id)).sort();
    expect([...actual.keys()].sort(), `${name}: set of (host, queue_id)`).toEqual(expectedKeys);

    for (const expected of golden.messages) {
      const message = actual.get(key(expected.host, expected.queue_id));
      if (message !== undefined) expectMessage(message, expected);
    }

    const report = parseJson(output.report, `${name} report`);
    expect(isObject(report), `${name}: report --json must print one object`).toBe(true);
    if (isObject(report)) {
      expect(report['rejected_at_smtp'], `${name}: report.rejected_at_smtp`).toBe(golden.smtpRejects);
    }
}

// The scenario the CLI contract test runs in real processes: a bounce, so the NDR and its fate are printed too.
const CONTRACT_SCENARIO = '1_bounce_simple';

describe('lightmeter golden scenarios', () => {
  it('has golden files', () => {
    expect(goldenFiles.length).toBeGreaterThan(0);
  });

  // CI has ../shared/corpora beside the checkout: a missing one there is a failure, not a skip.
  it.runIf(process.env.CI === 'true')('has the corpora under CI', () => {
    expect(corporaPresent, corporaRoot).toBe(true);
  });

  for (const golden of goldenFiles) {
    const logPath = path.join(corporaRoot, golden.source);
    it.skipIf(!corporaPresent)(nameOf(golden), async () => {
      // A golden file whose log is gone would pass without checking anything.
      expect(existsSync(logPath), logPath).toBe(true);
      expectGolden(golden, await importAndRead([logPath], { year: golden.year }));
    });
  }
});

// The in-process runs above stand for the CLI only while they print what it prints: this runs
// the real `bin/bouncewatch.js` on one scenario and wants the same bytes, and the golden file.
describe('lightmeter golden scenarios through the CLI', () => {
  const golden = goldenFiles.find((g) => nameOf(g) === CONTRACT_SCENARIO);

  it('has the contract scenario', () => {
    expect(golden, `${CONTRACT_SCENARIO}.expected.json`).toBeDefined();
  });

  it.skipIf(!corporaPresent || golden === undefined)(`${CONTRACT_SCENARIO}: import, messages --json and report --json print what the in-process run prints`, async () => {
    if (golden === undefined) return;
    const logPath = path.join(corporaRoot, golden.source);
    expect(existsSync(logPath), logPath).toBe(true);
    const viaCli = printedByCli(CONTRACT_SCENARIO, logPath, golden.year);
    const inProcess = await importAndRead([logPath], { year: golden.year });
    expect(viaCli.messages.length, 'the CLI printed no message').toBeGreaterThan(0);
    expect(viaCli.messages).toBe(inProcess.messages);
    expect(viaCli.report).toBe(inProcess.report);
    expectGolden(golden, viaCli);
  });
});
