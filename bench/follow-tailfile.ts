// Consumer of bench/follow-compare.ts for tail-file 1.4.16: every line is worked on, then its
// number and tail-file's only position (a character count, tied to no file) go into one transaction.
// usage: follow-tailfile.ts FILE DB WORK_US BATCH BATCH_MS; restarts from the saved count, if any.
import Tail from 'tail-file';
import { Sink, work } from './follow-sink.ts';

const [file, dbPath, workArg, batchArg, msArg] = process.argv.slice(2);
if (!file || !dbPath) {
  console.error('usage: node --import tsx bench/follow-tailfile.ts FILE DB [WORK_US] [BATCH] [BATCH_MS]');
  process.exit(2);
}
const workUs = Number(workArg ?? 5);
const batch = Number(batchArg ?? 1000);
const batchMs = Number(msArg ?? 20);
const sink = new Sink(dbPath);
const KEY = 'tail-file startPos';
const saved = sink.positions().find((p) => p.key === KEY)?.offset;

const tail = new Tail(file, { startPos: saved ?? 'start', force: true });
let pos = saved ?? 0;
const commit = () => sink.commit([{ key: KEY, fpLen: 0, offset: pos }]);

tail.on('line', (line) => {
  work(workUs);
  sink.take(line);
  pos = tail.posNext; // where a restart would resume, in whatever file this line came from
  if (sink.pendingLines >= batch) commit();
});
tail.on('restart', (reason) => console.error(JSON.stringify({ msg: 'restart', reason })));
tail.on('error', (err) => console.error(JSON.stringify({ msg: 'error', err: err.message })));
const timer = setInterval(() => sink.pendingLines > 0 && commit(), batchMs);

process.once('SIGTERM', () => {
  clearInterval(timer);
  commit();
  void tail.stop().finally(() => {
    sink.close();
    process.exit(0);
  });
});
console.log('up');
tail.start();
