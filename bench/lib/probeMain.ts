/**
 * The latency probe as a process of its own (see probeProcess.ts). Arguments: url, token, rate per
 * second, seconds. Probes for one second to warm up, prints `READY`, probes for `seconds` and
 * prints `RESULT <json>`.
 */
import { probeLatency } from './login.js';

const [url, token, rate, seconds] = process.argv.slice(2);
if (!url || !token || !rate || !seconds)
  throw new Error('usage: probeMain.ts <url> <token> <rate> <seconds>');
await probeLatency(url, token, Number(rate), 1);
process.stdout.write('READY\n');
const result = await probeLatency(url, token, Number(rate), Number(seconds));
process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
process.exit(0);
