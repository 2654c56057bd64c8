/**
 * Reads a V8 `.cpuprofile` (from `node --cpu-prof`): the functions with the most self time, the
 * modules with the most inclusive time, and a flame graph as SVG, so a profile can be read in a
 * review without a browser's devtools.
 */

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}
interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}
export interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  /** When profiling began, in µs of the monotonic clock (the one {@link monotonicMicros} reads). */
  readonly startTime: number;
  /** Per sample, µs since the sample before it (the first: since `startTime`). */
  readonly timeDeltas: readonly number[];
}

/**
 * Now, in µs of the monotonic clock. V8 stamps a profile's samples on the same clock in every
 * process of a Linux machine (CLOCK_MONOTONIC), so a load generator's start and end mark out the
 * server's samples of that load: see {@link samplesBetween}.
 */
export const monotonicMicros = (): number => Number(process.hrtime.bigint() / 1000n);

/**
 * `profile` with only the samples taken from `from` to `to` (µs of {@link monotonicMicros}): a
 * load's own, without the start-up and the preparation (registering users) that came before it.
 */
export function samplesBetween(profile: CpuProfile, from: number, to: number): CpuProfile {
  const samples: number[] = [];
  const timeDeltas: number[] = [];
  let at = profile.startTime;
  let previous = from;
  for (const [index, id] of profile.samples.entries()) {
    at += profile.timeDeltas[index] ?? 0;
    if (at < from || at > to) continue;
    samples.push(id);
    timeDeltas.push(at - previous);
    previous = at;
  }
  return { nodes: profile.nodes, samples, startTime: from, timeDeltas };
}

const shortUrl = (url: string) => {
  if (url === '') return '';
  const inModules = url.split('node_modules/').at(-1)!;
  if (inModules !== url) return inModules;
  const inDist = url.split('/dist/').at(-1)!;
  return inDist !== url ? `baton:${inDist}` : url.replace(/^file:\/\//, '');
};
const label = (frame: CallFrame) =>
  `${frame.functionName || '(anonymous)'}${frame.url ? ` ${shortUrl(frame.url)}:${frame.lineNumber + 1}` : ''}`;

/** The module a frame belongs to: an npm package, a file of Baton's, or Node's internals. */
const moduleOf = (frame: CallFrame): string | undefined => {
  const url = frame.url;
  if (url.includes('node_modules/')) {
    const parts = url.split('node_modules/').at(-1)!.split('/');
    return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  if (url.includes('/dist/')) return `baton:${url.split('/dist/').at(-1)}`;
  return undefined;
};

/** Self time by function and inclusive time by module, as shares of all samples (idle included). */
export function summarise(profile: CpuProfile, top = 25): string {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const hits = new Map<number, number>();
  for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1);
  const total = profile.samples.length;
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const [id, count] of hits) {
    const name = label(byId.get(id)!.callFrame);
    self.set(name, (self.get(name) ?? 0) + count);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const module = moduleOf(byId.get(at)!.callFrame);
      if (module && !seen.has(module)) {
        seen.add(module);
        inclusive.set(module, (inclusive.get(module) ?? 0) + count);
      }
    }
  }
  const rows = (map: Map<string, number>) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(
        ([name, count]) => `| ${((100 * count) / total).toFixed(1)}% | \`${name.replaceAll('|', '\\|')}\` |`,
      );
  return [
    `${total} samples.`,
    '',
    '| self | function |',
    '| --- | --- |',
    ...rows(self),
    '',
    '| inclusive | module |',
    '| --- | --- |',
    ...rows(inclusive),
  ].join('\n');
}

interface Frame {
  readonly name: string;
  count: number;
  readonly children: Map<string, Frame>;
}

/** A flame graph (callers below, callees above) of the non-idle samples, as a standalone SVG. */
export function flameGraph(profile: CpuProfile, title: string): string {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const root: Frame = { name: 'all', count: 0, children: new Map() };
  for (const id of profile.samples) {
    const stack: string[] = [];
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)!.callFrame;
      if (frame.functionName !== '(root)') stack.unshift(label(frame));
    }
    if (stack[0] === '(idle)') continue;
    root.count++;
    let frame = root;
    for (const name of stack) {
      const next = frame.children.get(name) ?? { name, count: 0, children: new Map<string, Frame>() };
      frame.children.set(name, next);
      next.count++;
      frame = next;
    }
  }
  const width = 1200;
  const row = 16;
  const rects: string[] = [];
  let depth = 0;
  const escapeXml = (text: string) => text.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);
  const draw = (frame: Frame, x: number, level: number) => {
    depth = Math.max(depth, level);
    const w = (frame.count / Math.max(1, root.count)) * width;
    if (w < 0.5) return;
    const hue =
      frame.name.startsWith('baton:') || frame.name.includes(' baton:') ? 30 : 10 + (frame.name.length % 40);
    const share = ((100 * frame.count) / Math.max(1, root.count)).toFixed(1);
    rects.push(
      `<g><title>${escapeXml(frame.name)} (${share}%)</title><rect x="${x.toFixed(1)}" y="{Y${level}}" width="${w.toFixed(1)}" height="${row - 1}" fill="hsl(${hue},80%,${60 + (level % 3) * 5}%)"/>` +
        (w > 40
          ? `<text x="${(x + 3).toFixed(1)}" y="{T${level}}" font-size="11" font-family="monospace">${escapeXml(frame.name.slice(0, Math.floor(w / 7)))}</text>`
          : '') +
        '</g>',
    );
    let childX = x;
    for (const child of [...frame.children.values()].sort((a, b) => b.count - a.count)) {
      draw(child, childX, level + 1);
      childX += (child.count / Math.max(1, root.count)) * width;
    }
  };
  draw(root, 0, 0);
  const height = (depth + 1) * row + 30;
  const body = rects
    .join('\n')
    .replace(/\{Y(\d+)\}/g, (_, level) => String(height - (Number(level) + 1) * row))
    .replace(/\{T(\d+)\}/g, (_, level) => String(height - (Number(level) + 1) * row + 11));
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">
<text x="4" y="16" font-size="13" font-family="sans-serif">${escapeXml(title)} (${root.count} busy samples; hover a frame for its name and share)</text>
${body}
</svg>
`;
}
