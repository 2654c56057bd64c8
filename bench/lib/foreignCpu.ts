import { readFileSync } from 'node:fs';
import { SERVICE_NAMES } from './cpuSplit.js';
import { readProcesses, TICKS_PER_SECOND, treeOf } from './procTable.js';

/** The services the bench drives besides its own processes: their work is the run's. */
const SERVICES: ReadonlySet<string> = new Set(Object.values(SERVICE_NAMES));

/** Where the machine's CPU time went while a run measured, in clock ticks (Linux; zeros elsewhere). */
export interface CpuAccount {
  /** Busy time of all cores: user, system, interrupts and time the hypervisor gave to others. */
  readonly machine: number;
  /** This process, its descendants (running or reaped), and PostgreSQL and Redis. */
  readonly run: number;
  /**
   * Of {@link CpuAccount.run}, PostgreSQL's and Redis's: shared services, which other clients on
   * the machine (another test suite) may keep busy too.
   */
  readonly services: number;
  /**
   * The rest: other work sharing the machine. Negative when the run's processes were charged more
   * than the machine's busy time, which only a miscount explains: report it, never round it to 0.
   */
  readonly foreign: number;
  /** What the cores could have done meanwhile: cores x elapsed ticks. */
  readonly capacity: number;
  /** The machine's cores, as /proc/stat counts them (not this process's CPU affinity). */
  readonly cores: number;
}

/**
 * Busy ticks of all cores, from the first line of /proc/stat (user, nice, system, irq, softirq,
 * steal); `undefined` without /proc. Interrupts count: the kernel charges a tick spent in an
 * interrupt to the process it interrupted too, so leaving them out would hide the run's own.
 */
function machineTicks(): { readonly ticks: number; readonly cores: number } | undefined {
  try {
    const lines = readFileSync('/proc/stat', 'utf8').split('\n');
    const fields = lines[0]!.trim().split(/\s+/).map(Number);
    const [, user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
    const cores = lines.filter((line) => /^cpu\d+ /.test(line)).length;
    return { ticks: user + nice + system + irq + softirq + steal, cores };
  } catch {
    return undefined;
  }
}

/**
 * The run's ticks now: this process's tree and the services' processes, each with its reaped
 * children; and of them the services'.
 */
function runTicks(): { readonly all: number; readonly services: number } {
  const table = readProcesses();
  const ours = new Set(treeOf(table, process.pid).map((entry) => entry.pid));
  let all = 0;
  let services = 0;
  for (const entry of table.values()) {
    const service = SERVICES.has(entry.name);
    if (ours.has(entry.pid) || service) all += entry.cpuTicks;
    if (service && !ours.has(entry.pid)) services += entry.cpuTicks;
  }
  return { all, services };
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
 * run's own network traffic handled by ksoftirqd, say; and all of the run's interrupt work on a
 * kernel with CONFIG_IRQ_TIME_ACCOUNTING, which charges it to no process): these err towards
 * "busy". One error goes the other way: PostgreSQL and Redis count whole as the run's, so what
 * other clients of theirs (another test suite) had them do meanwhile is missed. Time the
 * hypervisor gave to other machines (steal) is other work.
 */
export function startCpuAccount(): () => CpuAccount {
  const started = { machine: machineTicks(), run: runTicks(), at: performance.now() };
  return () => {
    const machineNow = machineTicks();
    if (started.machine === undefined || machineNow === undefined) {
      return { machine: 0, run: 0, services: 0, foreign: 0, capacity: 0, cores: 0 };
    }
    const machine = machineNow.ticks - started.machine.ticks;
    const now = runTicks();
    const run = now.all - started.run.all;
    const services = now.services - started.run.services;
    const { cores } = machineNow;
    const capacity = ((performance.now() - started.at) / 1000) * TICKS_PER_SECOND * cores;
    return { machine, run, services, foreign: machine - run, capacity, cores };
  };
}

/** "1.2% of the machine (0.02 of 2 cores)": a count of ticks as a share of the capacity. */
export function describeShare(ticks: number, { capacity, cores }: CpuAccount): string {
  if (capacity <= 0) return 'not measured (no /proc)';
  // Ticks are counted whole per process: a few under zero are rounding, more are a miscount.
  if (ticks < -cores * 10)
    return `not measurable (${ticks} ticks: the processes were charged more than the machine)`;
  const share = Math.max(0, ticks) / capacity;
  return `${(share * 100).toFixed(1)}% of the machine (${(share * cores).toFixed(2)} of ${cores} cores)`;
}
