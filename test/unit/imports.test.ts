/**
 * The layering of src/: no import circle and no upward import between layers.
 *
 * Layers, lowest first. A module may import its own layer and the layers below it, never one above. Within a
 * layer, imports are allowed as long as they make no circle (checked over files, not folders).
 *
 *   1. errors.ts, version.ts, paths.ts, demoDefaults.ts   leaves: the error type and exit codes, constants
 *   2. util/                                              sleep, retry, interrupt, number grammar
 *   3. options.ts, output.ts, state/                      option groups, the output contract, the last setup
 *   4. scaling/                                           pure KEDA and HPA rules (may import only errors, demoDefaults, util)
 *   5. kafka/                                             Kafka client, producer, consumer, lag, the audit
 *   6. explain/                                           decision chains over the scaling rules (pure)
 *   7. local/, image/                                     the local broker (built on kafka/); the consumer image build
 *   8. lab/                                               the local control plane (etcd, kube-apiserver, KEDA)
 *   9. manifests/                                         rendering of the setup's manifests
 *  10. cluster/                                           oc/kubectl: setup, teardown, doctor, in-cluster Jobs
 *  11. targets/                                           the Target seam (local, cluster)
 *  12. scenarios/                                         scenario files, runner, expectations, reports
 *  13. ui/                                                terminal views
 *  14. commands/                                          one module a subcommand (thin)
 *  15. cli.ts                                             the commander program; the only place errors become exit codes
 *
 * Type-only imports count too: an upward `import type` couples a lower layer to a higher one just the same.
 * A new folder or root file must be placed in LAYERS (the test fails until it is).
 *
 * Why a small script over the TypeScript parser and not madge or dependency-cruiser: the compiler is already a
 * dependency, the parser sees every import form (static, type-only, re-export, dynamic import()) exactly as tsc
 * does, the whole check runs in milliseconds inside the unit suite, and the layer rules are data in this file
 * rather than a second configuration language.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src');

export const LAYERS: ReadonlyArray<readonly string[]> = [
  ['errors', 'version', 'paths', 'demoDefaults'],
  ['util'],
  ['options', 'output', 'state'],
  ['scaling'],
  ['kafka'],
  ['explain'],
  ['local', 'image'],
  ['lab'],
  ['manifests'],
  ['cluster'],
  ['targets'],
  ['scenarios'],
  ['ui'],
  ['commands'],
  ['cli'],
];

/** Modules that must stay pure: they may import only these modules (and themselves). */
export const PURE: Record<string, readonly string[]> = {
  scaling: ['errors', 'demoDefaults', 'util'],
};

export interface ImportRef {
  spec: string;
  typeOnly: boolean;
  dynamic: boolean;
}

/** Every import of a TypeScript source: import/export … from, side-effect imports and import(). */
export function importsOf(fileName: string, text: string): ImportRef[] {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
  const out: ImportRef[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const c = node.importClause;
      const named = c?.namedBindings && ts.isNamedImports(c.namedBindings) ? c.namedBindings.elements : undefined;
      const allTypeSpecifiers = Boolean(c && !c.name && named && named.length > 0 && named.every((e) => e.isTypeOnly));
      out.push({ spec: node.moduleSpecifier.text, typeOnly: Boolean(c?.isTypeOnly) || allTypeSpecifiers, dynamic: false });
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      const named = node.exportClause && ts.isNamedExports(node.exportClause) ? node.exportClause.elements : undefined;
      const allTypeSpecifiers = Boolean(named && named.length > 0 && named.every((e) => e.isTypeOnly));
      out.push({ spec: node.moduleSpecifier.text, typeOnly: node.isTypeOnly || allTypeSpecifiers, dynamic: false });
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const a = node.arguments[0];
      if (a && (ts.isStringLiteral(a) || ts.isNoSubstitutionTemplateLiteral(a))) out.push({ spec: a.text, typeOnly: false, dynamic: true });
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      out.push({ spec: node.argument.literal.text, typeOnly: true, dynamic: false }); // typeof import('./x.js')
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

/**
 * The graph of relative imports between the files under a source root; keys and targets are paths relative to
 * it (posix). Imports that resolve to no file are listed in `unresolved` (tsc rejects them too).
 */
export function sourceGraph(root: string, unresolved: string[] = []): Map<string, Set<string>> {
  const files: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(ts|mts)$/.test(e.name) && !e.name.endsWith('.d.ts')) files.push(p);
    }
  };
  walk(root);
  const rel = (p: string): string => path.relative(root, p).split(path.sep).join('/');
  const graph = new Map<string, Set<string>>();
  for (const f of files) {
    const targets = new Set<string>();
    for (const r of importsOf(f, fs.readFileSync(f, 'utf8'))) {
      if (!r.spec.startsWith('.')) continue; // packages and node: builtins
      const base = path.resolve(path.dirname(f), r.spec);
      const candidates = [base.replace(/\.(m?)js$/, '.$1ts'), `${base}.ts`, path.join(base, 'index.ts')];
      const t = candidates.find((c) => fs.existsSync(c) && fs.statSync(c).isFile());
      if (t) targets.add(rel(t));
      else unresolved.push(`${rel(f)}: "${r.spec}"`);
    }
    graph.set(rel(f), targets);
  }
  return graph;
}

/**
 * What loading `entry` loads before any code runs: the files reached through static value imports (type-only
 * imports are erased by tsc, dynamic import() waits until it is called) and the packages they import.
 */
export function startupClosure(root: string, entry: string): { files: string[]; packages: string[] } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (rel: string): void => {
    if (files.has(rel)) return;
    files.add(rel);
    const abs = path.join(root, rel);
    for (const r of importsOf(abs, fs.readFileSync(abs, 'utf8'))) {
      if (r.typeOnly || r.dynamic) continue;
      if (!r.spec.startsWith('.')) {
        packages.add(r.spec);
        continue;
      }
      const base = path.resolve(path.dirname(abs), r.spec);
      const t = [base.replace(/\.(m?)js$/, '.$1ts'), `${base}.ts`, path.join(base, 'index.ts')].find((c) => fs.existsSync(c) && fs.statSync(c).isFile());
      if (t) visit(path.relative(root, t).split(path.sep).join('/'));
    }
  };
  visit(entry);
  return { files: [...files].sort(), packages: [...packages].sort() };
}

/** The module of a file: its top folder under src/, or a root file's name without extension. */
export const moduleOf = (file: string): string => (file.includes('/') ? file.split('/')[0]! : file.replace(/\.m?ts$/, ''));

/** Circles among files (Tarjan's strongly connected components of more than one file, or a file importing itself). */
export function findCycles(graph: Map<string, Set<string>>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const connect = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || graph.get(v)?.has(v)) cycles.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) connect(v);
  return cycles;
}

/** Imports that go up the layers, break a purity rule, or come from a module placed in no layer. */
export function layerViolations(
  graph: Map<string, Set<string>>,
  layers: ReadonlyArray<readonly string[]> = LAYERS,
  pure: Record<string, readonly string[]> = PURE,
): string[] {
  const rank = new Map<string, number>();
  layers.forEach((mods, i) => mods.forEach((m) => rank.set(m, i)));
  const problems: string[] = [];
  for (const [from, targets] of graph) {
    const a = moduleOf(from);
    if (!rank.has(a)) {
      problems.push(`${from}: module "${a}" is in no layer (add it to LAYERS in test/unit/imports.test.ts)`);
      continue;
    }
    for (const to of targets) {
      const b = moduleOf(to);
      if (a === b) continue;
      if (!rank.has(b)) continue; // reported as its own file
      if (rank.get(b)! > rank.get(a)!)
        problems.push(`${from} → ${to}: upward import (layer ${rank.get(a)! + 1} "${a}" imports layer ${rank.get(b)! + 1} "${b}")`);
      else if (pure[a] && !pure[a]!.includes(b)) problems.push(`${from} → ${to}: "${a}" is pure and may import only ${pure[a]!.join(', ')}`);
    }
  }
  return problems;
}

const g = (edges: Record<string, string[]>): Map<string, Set<string>> => new Map(Object.entries(edges).map(([k, v]) => [k, new Set(v)]));

describe('import checker (synthetic graphs, so the check can fail)', () => {
  it('reads every import form, type-only included, and nothing from comments or strings', () => {
    const src = [
      "import a from './a.js';",
      "import { b, type B } from './b.js';",
      "import type { C } from './c.js';",
      "import { type D1, type D2 } from './d.js';",
      "import './side.js';",
      "export { e } from './e.js';",
      "export type { F } from './f.js';",
      "export * from './g.js';",
      'import {',
      '  multi,',
      "} from './multi.js';",
      "const h = await import('./h.js');",
      "type I = typeof import('./i.js');",
      "// import { nope } from './comment.js';",
      'const s = "import x from \'./string.js\'";',
      "import chalk from 'chalk';",
    ].join('\n');
    const refs = importsOf('x.ts', src);
    expect(refs.map((r) => r.spec)).toEqual([
      './a.js',
      './b.js',
      './c.js',
      './d.js',
      './side.js',
      './e.js',
      './f.js',
      './g.js',
      './multi.js',
      './h.js',
      './i.js',
      'chalk',
    ]);
    expect(refs.filter((r) => r.typeOnly).map((r) => r.spec)).toEqual(['./c.js', './d.js', './f.js', './i.js']);
    expect(refs.filter((r) => r.dynamic).map((r) => r.spec)).toEqual(['./h.js']);
  });

  it('finds a planted circle, and none in a layered graph', () => {
    const circle = g({ 'cli.ts': ['commands/run.ts'], 'commands/run.ts': ['output.ts', 'cli.ts'], 'output.ts': ['errors.ts'], 'errors.ts': [] });
    expect(findCycles(circle)).toEqual([['cli.ts', 'commands/run.ts']]);
    expect(findCycles(g({ 'a.ts': ['a.ts'] }))).toEqual([['a.ts']]);
    const clean = g({
      'cli.ts': ['commands/run.ts'],
      'commands/run.ts': ['output.ts', 'kafka/lag.ts'],
      'kafka/lag.ts': ['errors.ts'],
      'output.ts': ['errors.ts'],
      'errors.ts': [],
    });
    expect(findCycles(clean)).toEqual([]);
    expect(layerViolations(clean)).toEqual([]);
  });

  it('finds planted upward imports, a broken purity rule and an unplaced module', () => {
    const bad = g({
      'kafka/connection.ts': ['local/broker.ts'],
      'local/broker.ts': ['kafka/client.ts'],
      'kafka/client.ts': [],
      'targets/local.ts': ['scenarios/audit.ts'],
      'scenarios/audit.ts': [],
      'scaling/plan.ts': ['output.ts'],
      'output.ts': [],
      'newthing/x.ts': ['errors.ts'],
      'errors.ts': [],
    });
    expect(layerViolations(bad)).toEqual([
      'kafka/connection.ts → local/broker.ts: upward import (layer 5 "kafka" imports layer 7 "local")',
      'targets/local.ts → scenarios/audit.ts: upward import (layer 11 "targets" imports layer 12 "scenarios")',
      'scaling/plan.ts → output.ts: "scaling" is pure and may import only errors, demoDefaults, util',
      'newthing/x.ts: module "newthing" is in no layer (add it to LAYERS in test/unit/imports.test.ts)',
    ]);
  });
});

describe('src/ layering', () => {
  const unresolved: string[] = [];
  const graph = sourceGraph(SRC, unresolved);

  it('every relative import resolves to a file', () => {
    expect(unresolved).toEqual([]);
  });

  it('reads the whole tree (every command and cli.ts among the files)', () => {
    expect(graph.has('cli.ts')).toBe(true);
    expect([...graph.keys()].filter((f) => f.startsWith('commands/')).length).toBeGreaterThanOrEqual(9);
  });

  it('has no import circle', () => {
    expect(findCycles(graph)).toEqual([]);
  });

  it('has no upward import between layers, and every module is placed in a layer', () => {
    expect(layerViolations(graph)).toEqual([]);
  });
});

describe('lazy start-up', () => {
  // `cma-demo --help` must stay cheap: cli.ts and the commands' metadata load commander and a few small modules;
  // each command's implementation (and chalk, yaml, kafkajs, execa, listr2, ajv) loads when the command runs.
  const LIGHT = /^(cli|errors|demoDefaults|version|options)\.ts$|^commands\/(index|action)\.ts$|^commands\/meta\/[\w-]+\.ts$/;

  it('the start-up closure of a planted heavy import is caught', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cma-imports-test-'));
    try {
      fs.mkdirSync(path.join(dir, 'commands/meta'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'cli.ts'), "import { registerX } from './commands/meta/x.js';\nimport type { T } from './types.js';\n");
      fs.writeFileSync(
        path.join(dir, 'commands/meta/x.ts'),
        "import { Option } from 'commander';\nimport { run } from '../x.js';\nexport const lazy = () => import('../y.js');\n",
      );
      fs.writeFileSync(path.join(dir, 'commands/x.ts'), "import chalk from 'chalk';\n");
      fs.writeFileSync(path.join(dir, 'commands/y.ts'), "import YAML from 'yaml';\n");
      fs.writeFileSync(path.join(dir, 'types.ts'), "import YAML from 'yaml';\n");
      const c = startupClosure(dir, 'cli.ts');
      expect(c.files).toEqual(['cli.ts', 'commands/meta/x.ts', 'commands/x.ts']);
      expect(c.packages).toEqual(['chalk', 'commander']);
      expect(c.files.filter((f) => !LIGHT.test(f))).toEqual(['commands/x.ts']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('cli.ts loads only light modules and commander at start-up; commands load on demand', () => {
    const c = startupClosure(SRC, 'cli.ts');
    expect(c.files.filter((f) => !LIGHT.test(f))).toEqual([]);
    expect(c.packages.filter((p) => p !== 'commander' && !p.startsWith('node:'))).toEqual([]);
    expect(c.files).toContain('commands/meta/run.ts'); // every command is registered from its metadata
  });
});
