/**
 * `node dist/bench/profile-top.js <file.cpuprofile> [count]`: the functions
 * with the most self time in a V8 CPU profile (from `node --cpu-prof`, or
 * `npm run bench -- --profile`), with their share of all samples.
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { table } from './stats';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
  };
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** One function's self time. */
export interface SelfTime {
  readonly fn: string;
  readonly where: string;
  readonly selfMs: number;
  readonly share: number;
}

/** Self time per function (name + location), largest first. */
export function topSelfTime(profile: CpuProfile, count: number): SelfTime[] {
  const byNode = new Map<number, ProfileNode>(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<string, { fn: string; where: string; us: number }>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const node = byNode.get(id);
    const dt = profile.timeDeltas[i] ?? 0;
    total += dt;
    if (node === undefined) return;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url === '' ? '' : `${shortUrl(url)}:${lineNumber + 1}`;
    const fn = functionName === '' ? '(anonymous)' : functionName;
    const key = `${fn}\u0000${where}`;
    const entry = selfUs.get(key) ?? { fn, where, us: 0 };
    entry.us += dt;
    selfUs.set(key, entry);
  });
  return [...selfUs.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, count)
    .map((e) => ({ fn: e.fn, where: e.where, selfMs: e.us / 1000, share: e.us / total }));
}

function shortUrl(url: string): string {
  const path = url.replace(/^file:\/\//, '');
  const nm = path.lastIndexOf('node_modules/');
  return nm >= 0 ? path.slice(nm + 'node_modules/'.length) : relative(process.cwd(), path);
}

if (require.main === module) {
  const file = process.argv[2];
  if (file === undefined) {
    process.stderr.write('usage: node dist/bench/profile-top.js <file.cpuprofile> [count]\n');
    process.exit(2);
  }
  const count = Number(process.argv[3] ?? 25);
  const top = topSelfTime(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, count);
  process.stdout.write(
    `${table(
      ['self ms', 'share', 'function', 'where'],
      top.map((t) => [t.selfMs.toFixed(1), `${(t.share * 100).toFixed(1)}%`, t.fn, t.where]),
    )}\n`,
  );
}
