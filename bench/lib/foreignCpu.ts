import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { readProcesses, treeOf } from './procTable.js';

/** The services the bench drives besides its own processes: their work is the run's. */
const SERVICES = /^(postgres|redis-server)$/;

/** Where the machine's CPU time went while a run measured, in clock ticks (Linux; zeros elsewhere). */
export interface CpuAccount {
  /** Busy time of all cores: user, system, interrupts and time the hypervisor gave to others. */
  readonly machine: number;
  /** This process, its descendants (running or reaped), and PostgreSQL and Redis. */
  readonly run: number;
  /** The rest: other work sharing the machine. */
  readonly foreign: number;
  /** What the cores could have done meanwhile: cores x elapsed ticks. */
  readonly capacity: number;
}

/**
 * Busy ticks of all cores, from the first line of /proc/stat (user, nice, system, irq, softirq,
 * steal); `undefined` without /proc. Interrupts count: the kernel charges a tick spent in an
 * interrupt to the process it interrupted too, so leaving them out would hide the run's own.
 */
function machineTicks(): number | undefined {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).map(Number);
    const [, user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
    return user + nice + system + irq + softirq + steal;
  } catch {
    return undefined;
  }
}

/** The run's ticks now: this process's tree and the services' processes, each with its reaped children. */
function runTicks(): number {
  const table = readProcesses();
  const ours = new Set(treeOf(table, process.pid).map((entry) => entry.pid));
  let ticks = 0;
  for (const entry of table.values()) {
    if (ours.has(entry.pid) || SERVICES.test(entry.name)) ticks += entry.cpuTicks;
  }
  return ticks;
}

/**
 * Starts counting CPU time; the function returned tells, so far, how much of it other work took.
 *
 * A run that loads two cores itself lifts the load average to 3 or 4 with nothing else running,
 * so the load average cannot say whether the machine was quiet; this can. A child's time reaches
 * its parent when the parent waits for it, so differences of "own + reaped children" over this
 * process's tree and the services' processes count every process the run started, even those
 * that ended meanwhile. Time spent by orphans (a killed server's children, reaped by init) counts
 * as foreign, and so does interrupt work done while no process of the run was on the core (the
 * run's own network traffic handled by ksoftirqd, say): the measure errs towards "busy", never
 * "quiet". Time the hypervisor gave to other machines (steal) is other work too.
 */
export function startCpuAccount(): () => CpuAccount {
  const started = { machine: machineTicks(), run: runTicks(), at: performance.now() };
  return () => {
    const machineNow = machineTicks();
    if (started.machine === undefined || machineNow === undefined) {
      return { machine: 0, run: 0, foreign: 0, capacity: 0 };
    }
    const machine = machineNow - started.machine;
    const run = runTicks() - started.run;
    const ticksPerSecond = 100; // USER_HZ: 100 on every Linux architecture Node runs on.
    const capacity = ((performance.now() - started.at) / 1000) * ticksPerSecond * availableParallelism();
    return { machine, run, foreign: Math.max(0, machine - run), capacity };
  };
}

/** "1.2% of the machine (0.02 of 2 cores)": a count of ticks as a share of the capacity. */
export function describeShare(ticks: number, capacity: number): string {
  if (capacity <= 0) return 'not measured (no /proc)';
  const share = ticks / capacity;
  const cores = availableParallelism();
  return `${(share * 100).toFixed(1)}% of the machine (${(share * cores).toFixed(2)} of ${cores} cores)`;
}
