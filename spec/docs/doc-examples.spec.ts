/*
 * Every ```ts block of README.md and docs/*.md is compiled, strict, as an ESM
 * consumer with verbatimModuleSyntax, against the packed package installed in
 * a scratch project outside the repository; blocks named `*.spec.ts` are
 * run with node:test. A block starting with `// file: name.ts` is written
 * under that name (other blocks import it as `./name.js`); a ```yaml block
 * starting with `# path.yaml` is written there, for the blocks that run. A
 * fragment that cannot compile is marked `<!-- not compiled: why -->` on the
 * line before its fence.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect } from 'chai';
import { REPO_ROOT } from '../e2e/support/spawn-worker';
import type { ConsumerProject } from '../e2e/support/consumer-project';
import { consumerCompilerOptions, consumerProject } from '../e2e/support/consumer-project';

interface DocBlock {
  readonly doc: string;
  readonly line: number;
  readonly lang: string;
  readonly text: string;
  readonly skipped: boolean;
}

const SKIP = /^<!--\s*not compiled:.+-->$/;

/** The fenced blocks of one markdown file, with the line each starts on. */
function blocksOf(doc: string): DocBlock[] {
  const lines = fs.readFileSync(path.join(REPO_ROOT, doc), 'utf8').split('\n');
  const blocks: DocBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w+)\s*$/.exec(lines[i] ?? '');
    if (open === null) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i] !== '```'; i++) body.push(lines[i] ?? '');
    const before =
      lines
        .slice(0, start)
        .reverse()
        .find((l) => l.trim() !== '') ?? '';
    blocks.push({
      doc,
      line: start + 1,
      lang: open[1] ?? '',
      text: `${body.join('\n')}\n`,
      skipped: SKIP.test(before.trim()),
    });
  }
  return blocks;
}

const DOCS = [
  'README.md',
  ...fs
    .readdirSync(path.join(REPO_ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`),
];

describe('docs: every TypeScript block compiles against the packed package', function () {
  this.timeout(180_000);
  const blocks = DOCS.flatMap(blocksOf);
  const tsBlocks = blocks.filter((b) => b.lang === 'ts' || b.lang === 'typescript');
  let project: ConsumerProject;
  let app: string;
  const sources = new Map<string, DocBlock>();

  before(async function () {
    this.timeout(180_000);
    project = await consumerProject();
    app = path.join(project.dir, 'doc-examples');
    fs.rmSync(app, { recursive: true, force: true });
    fs.mkdirSync(path.join(app, 'src'), { recursive: true });
    fs.writeFileSync(path.join(app, 'package.json'), '{ "type": "module" }\n');
    const compilerOptions = { ...consumerCompilerOptions('nodenext'), verbatimModuleSyntax: true };
    fs.writeFileSync(
      path.join(app, 'tsconfig.json'),
      JSON.stringify({ compilerOptions, include: ['src'] }, null, 2),
    );
    for (const [n, block] of tsBlocks.entries()) {
      if (block.skipped) continue;
      const named = /^\/\/ file: ([\w.-]+\.ts)\s*$/.exec(block.text.split('\n')[0] ?? '');
      const base = path.basename(block.doc, '.md').toLowerCase();
      const file = named?.[1] ?? `${base}-${n}.ts`;
      expect(sources.has(file), `two blocks are named ${file}`).to.equal(false);
      sources.set(file, block);
      fs.writeFileSync(path.join(app, 'src', file), block.text);
    }
    for (const block of blocks.filter((b) => b.lang === 'yaml')) {
      const named = /^# ([\w/.-]+\.ya?ml)\s*$/.exec(block.text.split('\n')[0] ?? '');
      if (named?.[1] === undefined) continue;
      fs.mkdirSync(path.dirname(path.join(app, named[1])), { recursive: true });
      fs.writeFileSync(path.join(app, named[1]), block.text);
    }
  });

  it('finds the blocks, and only a few are marked as fragments', () => {
    expect(tsBlocks.length).to.be.greaterThan(5);
    const skipped = tsBlocks.filter((b) => b.skipped);
    expect(skipped.length, skipped.map((b) => `${b.doc}:${b.line}`).join(', ')).to.be.at.most(3);
  });

  it('compiles every block (strict, ESM, verbatimModuleSyntax, decorators with metadata)', async () => {
    try {
      await project.tsc(path.join(app, 'tsconfig.json'));
    } catch (error) {
      const where = [...sources].map(([file, b]) => `  src/${file} = ${b.doc} line ${b.line}`);
      throw new Error(`${(error as Error).message}\nblocks:\n${where.join('\n')}`);
    }
  });

  it('runs the blocks that are specs (node:test)', async () => {
    const specs = [...sources.keys()].filter((f) => f.endsWith('.spec.ts'));
    expect(specs, 'the README test-kit example').to.include('inventory-check.spec.ts');
    for (const spec of specs) {
      const js = path.join('dist', spec.replace(/\.ts$/, '.js'));
      const { code, stdout, stderr } = await project.node(['--test', js], app);
      expect(code, `${spec} (${sources.get(spec)?.doc}):\n${stdout}${stderr}`).to.equal(0);
      expect(stdout).to.match(/# fail 0\b/);
    }
  });
});
