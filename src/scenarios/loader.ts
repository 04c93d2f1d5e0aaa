/**
 * Scenario files: parse YAML, validate against the schema, name file:line and field for every problem (exit 2),
 * and expand a file (and its variants) into runnable cases. Pure apart from reading files in loadScenarioFile.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import AjvModule, { type ErrorObject } from 'ajv';
import YAML, { LineCounter, isMap, isSeq, type Node } from 'yaml';
import { CmaError, ExitCode, usageError } from '../errors.js';
import { EXPECTATION_KINDS, scenarioSchema } from './schema.js';
import {
  DEFAULT_CONSUMER,
  DEFAULT_LOAD_RECORD_SIZE,
  DEFAULT_TIMEOUT_SECONDS,
  HPA_DEFAULTS,
  KAFKA_READ_TIMEOUT_SECONDS,
  type CaseDef,
  type LoadPhase,
  type ScenarioBody,
  type ScenarioFile,
} from './model.js';

type AjvCtor = typeof AjvModule.default;
const Ajv = ((AjvModule as unknown as { default?: AjvCtor }).default ?? AjvModule) as AjvCtor;
// verbose: errors carry their parent schema (a nullable field's type error says "or null").
const ajv = new Ajv({ allErrors: true, discriminator: true, strict: false, verbose: true });
const validate = ajv.compile(scenarioSchema);

export interface ScenarioProblem {
  line: number;
  /** Dotted field path (`expectations.1.within`), or `(file)` for the document itself. */
  field: string;
  message: string;
}

/** An invalid scenario: exit 2, the message names file:line and field. */
export class ScenarioError extends CmaError {
  readonly problems: ScenarioProblem[];
  readonly file: string;
  constructor(file: string, problems: ScenarioProblem[]) {
    const lines = problems.slice(0, 8).map((p) => `${file}:${p.line}: ${p.field}: ${p.message}`);
    const more = problems.length > 8 ? `\n… and ${problems.length - 8} more` : '';
    super(`invalid scenario ${lines.join('\n')}${more}`, {
      exitCode: ExitCode.USAGE,
      code: 'SCENARIO_INVALID',
      hint: 'fix the field named above; the README\'s "Scenario files" section describes every field',
    });
    this.problems = problems;
    this.file = file;
  }
}

type Seg = string | number;

/** The 1-based line of the node at a path; walks up to the deepest existing parent. */
export function lineOf(doc: YAML.Document, lc: LineCounter, segs: Seg[], opts: { key?: boolean } = {}): number {
  for (let n = segs.length; n >= 0; n--) {
    const p = segs.slice(0, n);
    let offset: number | undefined;
    if (opts.key && n === segs.length && n > 0) {
      const parent = p.length > 1 ? doc.getIn(p.slice(0, -1), true) : doc.contents;
      if (isMap(parent)) {
        const pair = parent.items.find((it) => (it.key as { value?: unknown })?.value === p[p.length - 1]);
        offset = (pair?.key as Node | undefined)?.range?.[0];
      }
    }
    if (offset === undefined) {
      const node = (p.length === 0 ? doc.contents : doc.getIn(p, true)) as Node | null | undefined;
      offset = node && typeof node === 'object' && 'range' in node ? node.range?.[0] : undefined;
      // A scalar inside a map: point at its key's line (the value may sit on the same line anyway).
    }
    if (offset !== undefined) return lc.linePos(offset).line;
  }
  return 1;
}

const fieldName = (segs: Seg[]): string => (segs.length ? segs.join('.') : '(document)');

function ajvProblem(doc: YAML.Document, lc: LineCounter, e: ErrorObject, all: ErrorObject[]): ScenarioProblem | null {
  const segs: Seg[] = e.instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
  if (e.keyword === 'if' || e.keyword === 'oneOf' || e.keyword === 'anyOf') return null;
  // An enum field has a type too (the schema is typed against the model): its enum error alone says what is allowed.
  if (e.keyword === 'type' && all.some((o) => o.keyword === 'enum' && o.instancePath === e.instancePath)) return null;
  if (e.keyword === 'required') {
    const missing = (e.params as { missingProperty: string }).missingProperty;
    return { line: lineOf(doc, lc, segs), field: fieldName([...segs, missing]), message: 'is required' };
  }
  if (e.keyword === 'additionalProperties') {
    const extra = (e.params as { additionalProperty: string }).additionalProperty;
    return { line: lineOf(doc, lc, [...segs, extra], { key: true }), field: fieldName([...segs, extra]), message: 'is not a known field' };
  }
  if (e.keyword === 'discriminator') {
    return { line: lineOf(doc, lc, [...segs, 'kind']), field: fieldName([...segs, 'kind']), message: `must be one of ${EXPECTATION_KINDS.join(', ')}` };
  }
  let message = e.message ?? 'is invalid';
  if (e.keyword === 'enum') message = `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`;
  if (e.keyword === 'type') {
    const nullable = (e.parentSchema as { nullable?: boolean } | undefined)?.nullable === true;
    message = `must be of type ${String((e.params as { type: unknown }).type).replace(',', ' or ')}${nullable ? ' or null' : ''}`;
  }
  return { line: lineOf(doc, lc, segs), field: fieldName(segs), message };
}

const PINNABLE_TOP = new Set(['settings', 'consumer', 'load', 'expectations', 'timeout', 'hpa', 'preconditions', 'outage', 'kafkaReadTimeoutSeconds']);

/** Checks the schema cannot express. */
function semanticProblems(s: ScenarioFile, where: (segs: Seg[]) => number): ScenarioProblem[] {
  const out: ScenarioProblem[] = [];
  const add = (segs: Seg[], message: string) => out.push({ line: where(segs), field: fieldName(segs), message });
  const bodies: Array<{ body: ScenarioBody; prefix: Seg[] }> = [{ body: s, prefix: [] }];
  (s.variants ?? []).forEach((v, i) => bodies.push({ body: v, prefix: ['variants', i] }));
  const names = new Set<string>();
  (s.variants ?? []).forEach((v, i) => {
    if (names.has(v.name)) add(['variants', i, 'name'], `duplicates the variant name "${v.name}"`);
    names.add(v.name);
  });
  for (const { body, prefix } of bodies) {
    const partitions = body.partitions ?? s.partitions;
    (body.load ?? []).forEach((ph, i) => {
      if ('pause' in ph) return;
      if (ph.throughput !== -1 && !(ph.throughput >= 1)) add([...prefix, 'load', i, 'throughput'], 'must be ≥ 1 record/s, or -1 for unlimited');
      (ph.partitions ?? []).forEach((p, j) => {
        if (p >= partitions) add([...prefix, 'load', i, 'partitions', j], `partition ${p} does not exist (the topic has ${partitions})`);
      });
    });
    const tp = body.topics ?? s.topics;
    const extra = new Set(tp?.extra ?? []);
    (body.load ?? []).forEach((ph, i) => {
      if ('pause' in ph) return;
      if (ph.topic !== undefined && !extra.has(ph.topic)) {
        add([...prefix, 'load', i, 'topic'], extra.size ? `names no extra topic (topics.extra: ${[...extra].join(', ')})` : 'needs topics.extra to name it');
      }
      if (ph.abortEvery !== undefined && !ph.transactional)
        add([...prefix, 'load', i, 'abortEvery'], 'needs transactional: true (only a transaction can be aborted)');
    });
    (body.topics?.consumed ?? []).forEach((c, j) => {
      if (!extra.has(c)) add([...prefix, 'topics', 'consumed', j], `names no extra topic (topics.extra: ${[...extra].join(', ') || 'none'})`);
    });
    (body.consumer?.stallPartitions ?? []).forEach((p, j) => {
      if (p >= partitions) add([...prefix, 'consumer', 'stallPartitions', j], `partition ${p} does not exist (the topic has ${partitions})`);
    });
    const st = { ...s.settings, ...body.settings };
    if (st.minReplicaCount !== undefined && st.maxReplicaCount !== undefined && st.maxReplicaCount < st.minReplicaCount) {
      add([...prefix, 'settings', 'maxReplicaCount'], `is below minReplicaCount (${st.minReplicaCount})`);
    }
    if (st.allowIdleConsumers && st.limitToPartitionsWithLag) {
      add([...prefix, 'settings', 'limitToPartitionsWithLag'], 'cannot be combined with allowIdleConsumers (KEDA rejects the pair)');
    }
    (body.pin ?? []).forEach((p, i) => {
      if (!PINNABLE_TOP.has(p.split('.')[0]!)) {
        add([...prefix, 'pin', i], `"${p}" names no scaled field; start with settings., consumer., load., expectations., hpa. or timeout`);
      }
    });
    // Every expectation is timed against the load (load-start, load-end, no-loss of what was produced): a case
    // without a load phase cannot be judged, so it is refused here rather than failing after it ran.
    const load = body.load ?? s.load;
    if ((prefix.length > 0 || !s.variants) && !(load ?? []).some((ph) => !('pause' in ph))) {
      const what = `${load ? 'has only pauses' : 'is missing'}: a case needs at least one load phase, e.g. - { records: 1000, throughput: 100 }`;
      if (prefix.length && !body.load) add(prefix, `load: ${what} (its own or the file's)`);
      else add([...prefix, 'load'], what);
    }
    const exps = body.expectations ?? s.expectations;
    if ((prefix.length > 0 || !s.variants) && (!exps || exps.length === 0)) {
      if (prefix.length) add(prefix, "expectations: needs at least one expectation (its own or the file's)");
      else add(['expectations'], 'needs at least one expectation');
    }
  }
  return out;
}

/** Parses and validates one scenario file's text. Throws ScenarioError (exit 2) naming file:line and field. */
export function parseScenario(text: string, file: string): ScenarioFile {
  const lc = new LineCounter();
  const doc = YAML.parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    throw new ScenarioError(
      file,
      doc.errors.map((e) => ({ line: e.linePos?.[0]?.line ?? lc.linePos(e.pos[0]).line, field: '(yaml)', message: e.message.split('\n')[0]! })),
    );
  }
  const data = doc.toJS() as unknown;
  if (!validate(data)) {
    const errors = validate.errors ?? [];
    const problems = errors.map((e) => ajvProblem(doc, lc, e, errors)).filter((p): p is ScenarioProblem => p !== null);
    const seen = new Set<string>();
    const unique = problems.filter((p) => {
      const k = `${p.line}|${p.field}|${p.message}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
    unique.sort((a, b) => a.line - b.line);
    throw new ScenarioError(file, unique.length ? unique : [{ line: 1, field: '(document)', message: 'is not a valid scenario' }]);
  }
  const s = data as ScenarioFile;
  const sem = semanticProblems(s, (segs) => lineOf(doc, lc, segs));
  if (sem.length) throw new ScenarioError(file, sem);
  if (isSeq(doc.contents)) throw new ScenarioError(file, [{ line: 1, field: '(document)', message: 'must be a mapping' }]);
  return s;
}

/** The catalogue directory shipped with the package (scenarios/ beside dist/). */
export function catalogueDir(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'scenarios');
}

export function loadScenarioFile(file: string): ScenarioFile {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw usageError(`cannot read scenario ${file}: ${(err as Error).message}`, 'pass a case name from `cma-demo run --list` or an existing YAML file');
  }
  const s = parseScenario(text, file);
  const base = path.basename(file).replace(/\.ya?ml$/, '');
  if (file.startsWith(catalogueDir()) && s.name !== base) {
    throw new ScenarioError(file, [{ line: 1, field: 'name', message: `must equal the file name "${base}" in the catalogue` }]);
  }
  return s;
}

export interface CatalogueEntry {
  name: string;
  file: string;
  summary: string;
  targets: Array<'local' | 'cluster'>;
  variants: string[];
}

export function summaryOf(s: ScenarioFile): string {
  if (s.summary) return s.summary;
  const first = s.description
    .trim()
    .split(/(?<=\.)\s/)[0]!
    .replace(/\s+/g, ' ');
  return first.length > 100 ? first.slice(0, 99) + '…' : first;
}

/** Every scenario in the catalogue, sorted (case1…case4 first, then by name). */
export function listCatalogue(dir = catalogueDir()): CatalogueEntry[] {
  let files: string[];
  try {
    files = fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f));
  } catch {
    throw new CmaError(`the scenario catalogue ${dir} is missing`, { exitCode: ExitCode.ENV, hint: 'reinstall cma-demo (npm ci) so scenarios/ is present' });
  }
  const entries = files.map((f) => {
    const s = loadScenarioFile(path.join(dir, f));
    return {
      name: s.name,
      file: path.join(dir, f),
      summary: summaryOf(s),
      targets: s.targets ?? ['local', 'cluster'],
      variants: (s.variants ?? []).map((v) => v.name),
    };
  });
  const rank = (n: string) => (/^case\d+$/.test(n) ? `0${n}` : `1${n}`);
  return entries.sort((a, b) => rank(a.name).localeCompare(rank(b.name)));
}

/** Resolves `case1`, `all`, or a path to scenario files (deduplicated, in order). */
export function resolveScenarioArgs(args: string[], dir = catalogueDir()): string[] {
  const out: string[] = [];
  const push = (f: string) => {
    if (!out.includes(f)) out.push(f);
  };
  for (const a of args) {
    if (a === 'all') {
      for (const e of listCatalogue(dir)) push(e.file);
    } else if (/[/\\]/.test(a) || /\.ya?ml$/.test(a)) {
      if (!fs.existsSync(a)) throw usageError(`scenario file ${a} does not exist`, 'check the path, or pass a case name from `cma-demo run --list`');
      push(path.resolve(a));
    } else {
      const f = ['.yaml', '.yml'].map((ext) => path.join(dir, a + ext)).find((p) => fs.existsSync(p));
      if (!f) {
        const names = fs.existsSync(dir)
          ? fs
              .readdirSync(dir)
              .filter((x) => /\.ya?ml$/.test(x))
              .map((x) => x.replace(/\.ya?ml$/, ''))
          : [];
        throw usageError(`unknown case "${a}"`, `known cases: ${names.sort().join(', ')} (or pass a scenario file path, or all)`);
      }
      push(f);
    }
  }
  return out;
}

function phases(load: ScenarioBody['load']): LoadPhase[] {
  const out: LoadPhase[] = [];
  let pendingPause = 0;
  for (const ph of load ?? []) {
    if ('pause' in ph) {
      pendingPause += ph.pause;
      continue;
    }
    out.push({ ...ph, recordSize: ph.recordSize ?? DEFAULT_LOAD_RECORD_SIZE, after: (ph.after ?? 0) + pendingPause });
    pendingPause = 0;
  }
  return out;
}

/** A file → its runnable cases (one, or one per variant), defaults filled; names get the --run-id suffix. */
export function expandCases(s: ScenarioFile, file: string, runId?: string): CaseDef[] {
  const suffix = runId ? `-${runId}` : '';
  const bodies: Array<{ name: string; body: ScenarioBody; slug: string; variant: string }> = s.variants
    ? s.variants.map((v) => ({ name: `${s.name}/${v.name}`, body: v, slug: `${s.name}-${v.name}`, variant: v.name }))
    : [{ name: s.name, body: {}, slug: s.name, variant: '' }];
  return bodies.map(({ name, body, slug, variant }) => {
    const pick = <K extends keyof ScenarioBody>(k: K): ScenarioBody[K] => (body[k] !== undefined ? body[k] : s[k]);
    const consumer = { ...s.consumer, ...body.consumer };
    const pre = { ...s.preconditions, ...body.preconditions };
    const tp = { ...s.topics, ...body.topics };
    const topic = `${s.topic ?? 'cma-' + slug}${variant && s.topic ? '-' + variant : ''}${suffix}`;
    const extraTopics = (tp.extra ?? []).map((n) => ({ name: n, topic: `${topic}-${n}` }));
    const full = (n: string) => extraTopics.find((x) => x.name === n)?.topic ?? `${topic}-${n}`;
    const outage = pick('outage') ?? null;
    const requires = [...(s.requires ?? [])];
    if (outage && !requires.includes('broker-pause')) requires.push('broker-pause');
    return {
      name,
      file,
      ...(runId ? { runId } : {}),
      description: (body.description ?? s.description).trim(),
      targets: s.targets ?? ['local', 'cluster'],
      requires,
      topic,
      group: `${s.group ?? 'cma-' + slug}${variant && s.group ? '-' + variant : ''}${suffix}`,
      partitions: pick('partitions') ?? s.partitions,
      settings: { ...s.settings, ...body.settings },
      annotations: { ...s.annotations, ...body.annotations },
      consumer: {
        processMs: consumer.processMs ?? DEFAULT_CONSUMER.processMs,
        startupDelaySeconds: consumer.startupDelaySeconds ?? DEFAULT_CONSUMER.startupDelaySeconds,
        offsetReset: consumer.offsetReset,
        stallPartitions: consumer.stallPartitions ?? [],
      },
      preconditions: {
        group: pre.group ?? 'committed-at-end',
        replicas: pre.replicas ?? 0,
        topic: pre.topic ?? 'fresh',
        ...(pre.deletedRecords ? { deletedRecords: pre.deletedRecords } : {}),
      },
      load: phases(pick('load')).map((ph) => (ph.topic !== undefined ? { ...ph, topic: full(ph.topic) } : ph)),
      extraTopics,
      consumedTopics: (tp.consumed ?? []).map(full),
      triggerTopic: tp.trigger !== 'none',
      outage: outage ? { ...outage } : null,
      expectations: pick('expectations') ?? [],
      audit: pick('audit') ?? true,
      pin: [...(s.pin ?? []), ...(body.pin ?? [])],
      timeout: pick('timeout') ?? DEFAULT_TIMEOUT_SECONDS,
      hpa: { ...HPA_DEFAULTS },
      kafkaReadTimeoutSeconds: KAFKA_READ_TIMEOUT_SECONDS,
    } satisfies CaseDef;
  });
}
