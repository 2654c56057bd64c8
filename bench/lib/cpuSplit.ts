import { mainThreadTicks, readProcesses, TICKS_PER_SECOND, treeOf } from './procTable.js';

/** CPU time by whom: the server's processes (Baton's), PostgreSQL's, Redis's and the bench's own (the load generator). */
export interface CpuShares {
  readonly server: number;
  /**
   * The part of `server` that the servers' main threads took: a Node server's event loop, where
   * all of its JavaScript runs. One thread, so it bounds the server's rate however many cores wait.
   */
  readonly serverLoop: number;
  readonly postgres: number;
  readonly redis: number;
  readonly harness: number;
}

/** The processes' names (`comm`) of the two services the bench drives besides its own processes. */
export const SERVICE_NAMES = { postgres: 'postgres', redis: 'redis-server' } as const;

/**
 * CPU ticks used so far by the servers `servers` (each with its descendants: hashing threads are
 * threads, but a server may also fork), by every PostgreSQL and Redis process, and by this process
 * alone (the load generator: not the children it has reaped, which a server it stopped would be).
 * PostgreSQL and Redis are told by name, so what other clients have them do meanwhile counts too.
 * Zeros where there is no /proc.
 */
export function cpuShares(servers: readonly number[]): CpuShares {
  const table = readProcesses();
  let server = 0;
  let postgres = 0;
  let redis = 0;
  let serverLoop = 0;
  for (const pid of servers) {
    for (const entry of treeOf(table, pid)) server += entry.cpuTicks;
    serverLoop += mainThreadTicks(pid);
  }
  for (const entry of table.values()) {
    if (entry.name === SERVICE_NAMES.postgres) postgres += entry.cpuTicks;
    else if (entry.name === SERVICE_NAMES.redis) redis += entry.cpuTicks;
  }
  return { server, serverLoop, postgres, redis, harness: table.get(process.pid)?.ownTicks ?? 0 };
}

/** Microseconds of CPU per operation, by whom, between two readings of {@link cpuShares}. */
export function perOperation(before: CpuShares, after: CpuShares, operations: number): CpuShares {
  const ticksToMicros = 1_000_000 / TICKS_PER_SECOND;
  const each = (key: keyof CpuShares) =>
    operations > 0 ? ((after[key] - before[key]) * ticksToMicros) / operations : Number.NaN;
  return {
    server: each('server'),
    serverLoop: each('serverLoop'),
    postgres: each('postgres'),
    redis: each('redis'),
    harness: each('harness'),
  };
}

/** Marks the measured part of a loop, after its warm-up: `end` gets the operations it counted. */
export interface Meter {
  begin(): void;
  end(operations: number): void;
}

/** A {@link Meter} that keeps the CPU per operation of the last loop it measured, by whom. */
export function cpuMeter(servers: readonly number[]): Meter & { readonly last: () => CpuShares | undefined } {
  let started: CpuShares | undefined;
  let last: CpuShares | undefined;
  return {
    begin() {
      started = cpuShares(servers);
    },
    end(operations) {
      if (started) last = perOperation(started, cpuShares(servers), operations);
      started = undefined;
    },
    last: () => last,
  };
}
