import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { ProbeResult } from './login.js';

const MAIN = fileURLToPath(new URL('./probeMain.ts', import.meta.url));

/**
 * Runs the open-loop latency probe in a process of its own, and `alongside` (a login storm) in
 * this one while the probe measures. In one process the storm's clients would share the probe's
 * event loop: their callbacks would delay its timers and its reads, and the probe would report
 * the harness's stalls as the server's.
 */
export async function probeInOwnProcess<T>(
  url: string,
  token: string,
  ratePerSecond: number,
  seconds: number,
  alongside?: () => Promise<T>,
): Promise<{ probe: ProbeResult; alongside: T | undefined }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', MAIN, url, token, String(ratePerSecond), String(seconds)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  let storm: Promise<T> | undefined;
  let probe: ProbeResult | undefined;
  for await (const line of createInterface({ input: child.stdout })) {
    if (line === 'READY') storm = alongside?.();
    else if (line.startsWith('RESULT ')) probe = JSON.parse(line.slice('RESULT '.length)) as ProbeResult;
  }
  const code = await exited;
  if (!probe) throw new Error(`the latency probe exited with ${code} before reporting`);
  return { probe, alongside: await storm };
}
