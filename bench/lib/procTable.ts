import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second in /proc (USER_HZ): 100 on every Linux architecture Node runs on. */
export const TICKS_PER_SECOND = 100;

/** One process as /proc/<pid>/stat describes it (Linux). */
export interface ProcessEntry {
  readonly pid: number;
  readonly ppid: number;
  /** The executable's name (`comm`, at most 15 characters). */
  readonly name: string;
  /**
   * CPU time in clock ticks: its own (user + system) and that of the children it has reaped, which
   * the kernel adds to the parent when it waits for them.
   */
  readonly cpuTicks: number;
  /** CPU time in clock ticks of the process itself (user + system), without its reaped children. */
  readonly ownTicks: number;
}

/**
 * The fields of a /proc `stat` line after the name (the state is first). The name is in
 * parentheses and may itself hold spaces or parentheses: split after the last one.
 */
function fieldsAfterName(stat: string): string[] {
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** Every process /proc lists now; empty where there is no /proc (not Linux). */
export function readProcesses(): Map<number, ProcessEntry> {
  const table = new Map<number, ProcessEntry>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return table;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = fieldsAfterName(stat);
      const [utime, stime, cutime, cstime] = fields.slice(11, 15).map(Number);
      table.set(Number(entry), {
        pid: Number(entry),
        ppid: Number(fields[1]),
        name: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')),
        cpuTicks: (utime ?? 0) + (stime ?? 0) + (cutime ?? 0) + (cstime ?? 0),
        ownTicks: (utime ?? 0) + (stime ?? 0),
      });
    } catch {
      // The process ended while we looked.
    }
  }
  return table;
}

/**
 * CPU time in clock ticks (user + system) of the main thread of `pid` alone, the thread whose id is
 * the process's (/proc/<pid>/task/<pid>/stat); 0 when it cannot be read (ended, not Linux).
 */
export function mainThreadTicks(pid: number): number {
  try {
    const fields = fieldsAfterName(readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8'));
    const [utime, stime] = fields.slice(11, 13).map(Number);
    return (utime ?? 0) + (stime ?? 0);
  } catch {
    return 0;
  }
}

/** `pid` and every process below it in `table`. */
export function treeOf(table: ReadonlyMap<number, ProcessEntry>, pid: number): ProcessEntry[] {
  const children = new Map<number, ProcessEntry[]>();
  for (const entry of table.values()) {
    const siblings = children.get(entry.ppid);
    if (siblings) siblings.push(entry);
    else children.set(entry.ppid, [entry]);
  }
  const root = table.get(pid);
  const tree = root ? [root] : [];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i]!.pid) ?? []));
  return tree;
}
