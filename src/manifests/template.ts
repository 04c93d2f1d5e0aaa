/**
 * A tiny, typed template substitution for the YAML files under manifests/. Pure: text in, objects out.
 *
 * - A scalar that is exactly `{{name}}` takes the parameter's value with its type (number, boolean, object, list).
 *   When that value is null/undefined the map key is dropped, or the list item is removed.
 * - `{{name}}` inside a longer string is interpolated as text.
 * - An unknown name is an error (a typo in a template must not render silently).
 */
import YAML from 'yaml';

export type Params = Record<string, unknown>;
export type K8sObject = Record<string, unknown> & {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
};

const WHOLE = /^\{\{\s*([A-Za-z0-9_.]+)\s*\}\}$/;
const INNER = /\{\{\s*([A-Za-z0-9_.]+)\s*\}\}/g;
const DROP = Symbol('drop');

function lookup(params: Params, name: string, file: string): unknown {
  let cur: unknown = params;
  for (const part of name.split('.')) {
    if (cur === null || typeof cur !== 'object' || !(part in (cur as object))) {
      throw new Error(`${file}: template parameter "${name}" is not defined`);
    }
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function subst(v: unknown, params: Params, file: string): unknown {
  if (typeof v === 'string') {
    const m = WHOLE.exec(v);
    if (m) {
      const val = lookup(params, m[1]!, file);
      return val === null || val === undefined ? DROP : structuredClone(val);
    }
    return v.replace(INNER, (_, n: string) => {
      const val = lookup(params, n, file);
      if (val === null || val === undefined || typeof val === 'object') throw new Error(`${file}: "${n}" cannot be interpolated into a string`);
      return String(val);
    });
  }
  if (Array.isArray(v)) return v.map((x) => subst(x, params, file)).filter((x) => x !== DROP);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const r = subst(x, params, file);
      if (r !== DROP) out[k] = r;
    }
    return out;
  }
  return v;
}

/** Renders every document of a template text. Documents whose `kind` renders to null are left out. */
export function renderTemplate(text: string, params: Params, file = 'template'): K8sObject[] {
  const docs = YAML.parseAllDocuments(text);
  const out: K8sObject[] = [];
  for (const d of docs) {
    if (d.errors.length) throw new Error(`${file}: invalid YAML: ${d.errors[0]!.message}`);
    const js = d.toJS() as unknown;
    if (js === null || js === undefined) continue;
    const r = subst(js, params, file);
    if (r === DROP) continue;
    const o = r as K8sObject;
    if (typeof o.kind !== 'string' || typeof o.apiVersion !== 'string' || !o.metadata || typeof o.metadata.name !== 'string') {
      throw new Error(`${file}: every document needs apiVersion, kind and metadata.name`);
    }
    out.push(o);
  }
  return out;
}
