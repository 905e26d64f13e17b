// A stand-in worker for log following: it opens a LogSink (which marks this process as the log's
// writer), writes the lines it is given, says "written" and then waits to be killed, never closing.
import { LogSink } from '../../src/activities/log-sink';

const [file, ...lines] = process.argv.slice(2);
const sink = new LogSink(file);
for (const line of lines) sink.write(Buffer.from(`${line}\n`));
process.stdout.write('written\n');
setInterval(() => undefined, 1_000);
