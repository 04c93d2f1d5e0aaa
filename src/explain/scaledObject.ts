/**
 * A ScaledObject as `explain` and `check` need it, pure: the settings (settings.ts, KEDA's rules), what KEDA would
 * refuse, the seed's known mistakes, and the raw trigger fields the settings leave out (sasl, tls,
 * authenticationRef), plus a TriggerAuthentication from the same file. A text that holds no ScaledObject, several,
 * or no valid YAML is bad input (exit 2); a ScaledObject KEDA would refuse is a finding, not bad input.
 */
import { DEMO_DEFAULTS } from '../demoDefaults.js';
import YAML from 'yaml';
import { CmaError, usageError, type Warning } from '../errors.js';
import { KAFKA_TRIGGER_KEYS, settingsFromScaledObjectYaml, type ScaledObjectSettings } from '../scaling/settings.js';
import { KedaRefusal } from '../scaling/validate.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = Record<string, any>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface TriggerFields {
  topic?: string;
  consumerGroup?: string;
  bootstrapServers?: string;
  sasl?: string;
  tls?: string;
  unsafeSsl?: string;
  authenticationRef?: { name: string; kind: string };
}

export interface ScaledObjectFacts {
  name: string;
  namespace?: string;
  file?: string;
  /** The settings, or null when KEDA would refuse the object (then `rejected` says why). */
  settings: ScaledObjectSettings | null;
  /** What KEDA would refuse (one entry a refused setting, code = KEDA's rule); empty when it accepts the object. */
  rejected: Array<{ code: string; field: string; message: string; hint?: string }>;
  /** The seed's known mistakes and other notes from reading the object (SCALE_TARGET_KIND, UNSAFE_SSL, …). */
  notes: Warning[];
  trigger: TriggerFields;
  scaleTarget: { kind?: string; name?: string };
  annotations: Record<string, string>;
  /** A TriggerAuthentication found in the same file (by the trigger's authenticationRef name). */
  triggerAuthentication: Obj | null;
  /** The object itself. */
  object: Obj;
}

const TRIGGER_KEYS = new Set(KAFKA_TRIGGER_KEYS);

/** KEDA's refusals, one entry a refused setting (scaling/validate.ts's KedaRefusal), with the field as a ScaledObject path. */
function refusals(err: CmaError): ScaledObjectFacts['rejected'] {
  const list = err instanceof KedaRefusal ? err.refused : [{ code: err.code, fields: [] as string[], message: err.message, hint: err.hint ?? '' }];
  return list.map((r) => {
    const inText = /\b((?:spec|metadata)\.[\w.[\]-]+)/.exec(r.message)?.[1];
    const f = r.fields[0];
    const field = inText ?? (f === undefined ? 'spec' : TRIGGER_KEYS.has(f) ? `spec.triggers[0].metadata.${f}` : f.startsWith('metadata.') ? f : `spec.${f}`);
    return { code: r.code, field, message: r.message, hint: r.hint || undefined };
  });
}

const str = (v: unknown): string | undefined => (v === undefined || v === null ? undefined : String(v));

/** Reads the one ScaledObject of a (multi-document) YAML text, or a ScaledObject object from a cluster. */
export function readScaledObject(
  source: { text: string; file: string } | { object: Obj; where: string },
  opts: { kedaVersion?: string } = {},
): ScaledObjectFacts {
  let docs: Obj[];
  let file: string;
  let text: string;
  if ('text' in source) {
    file = source.file;
    text = source.text;
    const parsed = YAML.parseAllDocuments(text);
    docs = [];
    for (const d of parsed) {
      if (d.errors.length)
        throw usageError(`${file}: invalid YAML: ${d.errors[0]!.message}`, 'fix the YAML syntax (kubectl apply --dry-run=client -f FILE shows the same error)');
      const js = d.toJS() as unknown;
      if (isObj(js)) docs.push(js);
    }
  } else {
    file = source.where;
    docs = [source.object];
    text = YAML.stringify(source.object);
  }
  const sos = docs.filter((d) => d.kind === 'ScaledObject');
  if (sos.length === 0) throw usageError(`${file} holds no ScaledObject`, 'pass a file with exactly one `kind: ScaledObject` document');
  if (sos.length > 1) throw usageError(`${file} holds ${sos.length} ScaledObjects`, 'keep exactly one ScaledObject in the file');
  const so = sos[0]!;
  const spec = isObj(so.spec) ? so.spec : {};
  const meta = isObj(so.metadata) ? so.metadata : {};
  const triggers = Array.isArray(spec.triggers) ? (spec.triggers as unknown[]).filter(isObj) : [];
  const kafka = triggers.find((t) => t.type === 'kafka');
  const md = isObj(kafka?.metadata) ? (kafka!.metadata as Obj) : {};
  const ref = isObj(kafka?.authenticationRef) ? kafka!.authenticationRef : null;
  const trigger: TriggerFields = {
    topic: str(md.topic),
    consumerGroup: str(md.consumerGroup),
    bootstrapServers: str(md.bootstrapServers),
    sasl: str(md.sasl),
    tls: str(md.tls),
    unsafeSsl: str(md.unsafeSsl),
    authenticationRef: ref && ref.name ? { name: String(ref.name), kind: String(ref.kind ?? 'TriggerAuthentication') } : undefined,
  };
  let settings: ScaledObjectSettings | null = null;
  let rejected: ScaledObjectFacts['rejected'] = [];
  let notes: Warning[] = [];
  try {
    const r = settingsFromScaledObjectYaml(text, file, opts);
    settings = r.settings;
    notes = r.warnings;
  } catch (err) {
    if (!(err instanceof CmaError)) throw err;
    rejected = refusals(err);
  }
  const target = isObj(spec.scaleTargetRef) ? spec.scaleTargetRef : {};
  const ta = trigger.authenticationRef
    ? (docs.find(
        (d) => (d.kind === trigger.authenticationRef!.kind || d.kind === 'TriggerAuthentication') && d.metadata?.name === trigger.authenticationRef!.name,
      ) ?? null)
    : null;
  return {
    name: str(meta.name) ?? DEMO_DEFAULTS.scaledObject,
    namespace: str(meta.namespace),
    file: 'text' in source ? file : undefined,
    settings,
    rejected,
    notes,
    trigger,
    scaleTarget: { kind: str(target.kind), name: str(target.name) },
    annotations: isObj(meta.annotations)
      ? (Object.fromEntries(Object.entries(meta.annotations).map(([k, v]) => [k, String(v)])) as Record<string, string>)
      : {},
    triggerAuthentication: ta,
    object: so,
  };
}
