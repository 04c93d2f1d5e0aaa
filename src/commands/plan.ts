/** cma-demo plan: the scaling timeline predicted in virtual time (no Kafka, no cluster). Thin: parse, call, render. */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { usageError } from '../errors.js';
import { outputFor, type Output } from '../output.js';
import { renderChart } from '../scaling/chart.js';
import { parseLoad, plan, type LoadPhase, type PlanDocument, type PlanInput } from '../scaling/plan.js';
import { parseDuration, parseInteger, parseIntList, parseNumber } from '../util/numbers.js';
import { DEFAULT_SETTINGS, settingsFromFlags, settingsFromScaledObjectYaml, type ScaledObjectSettings, type SettingsFlags } from '../scaling/settings.js';

interface PlanFlags extends SettingsFlags {
  scaledobject?: string;
  partitions?: string;
  load?: string[];
  consumerRate?: string;
  podStartDelay?: string;
  committedOffsets: boolean;
  boundary?: string;
  hpaSyncPeriod?: string;
  scaledobjectAge?: string;
  model?: string;
  stalledPartitions?: string;
}

const DEFAULT_LOAD = '1000000@10000';

/** Builds the plan input from the flags; every bad value is a usage error (exit 2). */
export function planInputFromFlags(flags: PlanFlags, out?: Output): PlanInput {
  let base: ScaledObjectSettings = DEFAULT_SETTINGS;
  let filePartitions: number | undefined;
  if (flags.scaledobject) {
    let text: string;
    try {
      text = readFileSync(flags.scaledobject, 'utf8');
    } catch (err) {
      throw usageError(
        `cannot read --scaledobject ${flags.scaledobject}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
        'pass the path of a YAML file holding one ScaledObject',
      );
    }
    const parsed = settingsFromScaledObjectYaml(text, flags.scaledobject, { kedaVersion: flags.kedaVersion });
    for (const w of parsed.warnings) out?.warn(w.code, w.message);
    base = parsed.settings;
    filePartitions = parsed.partitions;
  }
  const settings = settingsFromFlags(flags, base);
  const loads: LoadPhase[] = (flags.load && flags.load.length ? flags.load : [DEFAULT_LOAD]).map(parseLoad);
  let boundary: 'exclusive' | 'inclusive' = 'exclusive';
  if (flags.boundary !== undefined) {
    if (flags.boundary !== 'exclusive' && flags.boundary !== 'inclusive')
      throw usageError(`--boundary must be exclusive or inclusive, got "${flags.boundary}"`);
    boundary = flags.boundary;
  }
  const model = flags.model ?? 'fluid';
  if (model !== 'fluid' && model !== 'per-partition') throw usageError(`--model must be fluid or per-partition, got "${flags.model}"`);
  return {
    settings,
    model,
    stalledPartitions: flags.stalledPartitions === undefined ? undefined : parseIntList(flags.stalledPartitions, '--stalled-partitions'),
    // --partitions, else the file's cma-demo/partitions annotation (recommend writes it), else 10.
    partitions: parseInteger(flags.partitions, '--partitions', { min: 1, example: '10' }) ?? filePartitions ?? 10,
    load: loads,
    consumerRate: parseNumber(flags.consumerRate, '--consumer-rate', { exclusiveMin: true, example: '2000' }) ?? 2000,
    podStartDelayS: parseDuration(flags.podStartDelay, '--pod-start-delay', { unit: 's' }) ?? 10,
    committedOffsets: flags.committedOffsets,
    boundary,
    hpaSyncSeconds: parseDuration(flags.hpaSyncPeriod, '--hpa-sync-period', { unit: 's', exclusiveMin: true }) ?? 15,
    scaledObjectAgeS: parseDuration(flags.scaledobjectAge, '--scaledobject-age', { unit: 's' }) ?? null,
  };
}

/** 1,234,567 (en-US); whole numbers without Intl, which is slow over the thousands of rows of a long plan. */
const fmt = (n: number): string => (Number.isSafeInteger(n) ? String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',') : n.toLocaleString('en-US'));

function behaviourText(s: ScaledObjectSettings): string {
  if (s.behavior === null) return 'HPA behaviour: none (legacy: 300 s downscale window, ≤ max(2·C, 4) per sync)';
  const dir = (name: string, r: NonNullable<ScaledObjectSettings['behavior']>['scaleUp']): string => {
    if (!r) return `${name} defaults`;
    const pol = (r.policies ?? []).map((p) => `${p.type} ${p.value}/${p.periodSeconds} s`).join(', ') || 'default policies';
    return `${name} window ${r.stabilizationWindowSeconds ?? 'default'} s, ${pol}${r.selectPolicy ? `, select ${r.selectPolicy}` : ''}`;
  };
  return `HPA behaviour: ${dir('up', s.behavior.scaleUp)}; ${dir('down', s.behavior.scaleDown)}`;
}

function loadText(l: LoadPhase[]): string {
  return l
    .map((p) =>
      'pauseS' in p ? `pause ${p.pauseS} s` : `${fmt(p.records)} @ ${fmt(p.rate)}/s${p.partitions ? ` on partitions ${p.partitions.join(',')}` : ''}`,
    )
    .join(', then ');
}

/** A variant's steps as `1 @15, 3 @20, …`; a long list keeps its start and end and says how many. */
function shortSteps(steps: Array<{ t: number; replicas: number }>): string {
  const text = (xs: typeof steps): string => xs.map((x) => `${x.replicas} @${x.t}`).join(', ');
  if (steps.length <= 40) return text(steps);
  return `${text(steps.slice(0, 30))}, …, ${text(steps.slice(-5))}; ${fmt(steps.length)} steps`;
}

export function renderPlanText(doc: PlanDocument, input: PlanInput, opts: { ascii?: boolean } = {}): string {
  const s = doc.settings;
  const lines: string[] = [];
  lines.push(
    `settings: pollingInterval ${s.pollingInterval} s, cooldownPeriod ${s.cooldownPeriod} s, minReplicaCount ${s.minReplicaCount}, maxReplicaCount ${s.maxReplicaCount}, ` +
      `lagThreshold ${s.lagThreshold}, activationLagThreshold ${s.activationLagThreshold}, offsetResetPolicy ${s.offsetResetPolicy}`,
  );
  lines.push(`          ${behaviourText(s)}`);
  const a = doc.assumptions;
  lines.push(
    `assumed:  ${input.partitions} partitions; load ${loadText(input.load)}; ${fmt(input.consumerRate)} records/s per replica; pod start ${a.podStartDelayS} s; ` +
      `offsets ${a.committedOffsets ? 'committed before the run' : 'never committed'}; ${input.model ?? 'fluid'} model; first KEDA poll ${a.firstKedaPollS} s, ` +
      `HPA sync ${a.firstHpaSyncS} s + every ${a.hpaSyncSeconds} s; ${a.boundary} window boundary`,
  );
  lines.push('');
  lines.push('      t  replicas   by    lag        metric  what');
  // Steps and timeline are both in time order: one pass finds each step's point (a long run has many of both).
  let i = 0;
  const at = (t: number) => {
    while (i < doc.timeline.length - 1 && doc.timeline[i]!.t < t) i++;
    return doc.timeline[i];
  };
  // A long run can have tens of thousands of steps: the table shows its start and its end (-o json has them all).
  const HEAD = 100;
  const TAIL = 20;
  doc.steps.forEach((st, k) => {
    const hidden = doc.steps.length - HEAD - TAIL;
    if (hidden > 0 && k >= HEAD && k < HEAD + hidden) {
      if (k === HEAD) lines.push(`      … ${fmt(hidden)} more steps (-o json lists every step)`);
      return;
    }
    const p = at(st.t);
    lines.push(
      `${`${st.t}s`.padStart(7)}  ${`${st.from} → ${st.to}`.padEnd(9)}  ${st.by.toUpperCase().padEnd(4)}  ${fmt(p?.lag ?? 0).padStart(9)}  ${String(p?.metric ?? '').padStart(6)}  ${st.note}`,
    );
  });
  if (doc.steps.length === 0) lines.push('      (the replicas never change)');
  lines.push('');
  lines.push(...renderChart(doc.timeline, { ascii: opts.ascii }));
  lines.push('');
  lines.push(
    `peak ${doc.peak} replica${doc.peak === 1 ? '' : 's'} · load ends at ${doc.loadEndS} s · ` +
      `${doc.drainedS !== null ? `backlog drained at ${doc.drainedS} s` : 'backlog not drained'} · ` +
      `${doc.returnToZeroS !== null ? `back to 0 at ${doc.returnToZeroS} s${doc.returnsToZero > 1 ? ` (${fmt(doc.returnsToZero)} times)` : ''}` : 'no return to 0'}`,
  );
  if (doc.variants.length) {
    lines.push('knife edges — the other outcomes:');
    for (const v of doc.variants) {
      lines.push(
        `  ${v.name}: peak ${v.peak}, ${v.returnToZeroS !== null ? `back to 0 at ${v.returnToZeroS} s` : 'no return to 0'} ` +
          `(${shortSteps(v.steps)}) — ${v.description}`,
      );
    }
  }
  return lines.join('\n');
}

/** Prints the predicted timeline. */
export function planAction(flags: PlanFlags, c: Command): void {
  const out = outputFor(c);
  const input = planInputFromFlags(flags, out);
  const doc = plan(input);
  for (const w of doc.warnings) out.warn(w.code, w.message);
  const full: PlanDocument = { ...doc, warnings: out.warnings };
  if (out.machine) out.document(full);
  else out.text(renderPlanText(full, input, { ascii: !process.stdout.isTTY && process.env.LANG === 'C' }));
}
