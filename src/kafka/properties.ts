/**
 * Pure parsing of Kafka-style client properties files (java.util.Properties syntax) and the parts of them
 * cma-demo understands: security.protocol, sasl.mechanism, sasl.jaas.config, ssl.truststore.*.
 */

/** One logical line of a properties file: where it starts, its key, its value and the separator between them. */
export interface PropertyLine {
  /** 1-based line number where the logical line starts (continuations join the following lines). */
  line: number;
  key: string;
  value: string;
  /** `=` or `:`, `' '` when only whitespace separates key and value, `''` when there is no value at all. */
  separator: '=' | ':' | ' ' | '';
}

/** Reads java.util.Properties text: `k=v`, `k:v`, `k v`, comments (# !), line continuations, \-escapes. */
export function readPropertyLines(text: string): PropertyLine[] {
  const rawLines = text.replace(/\r\n?/g, '\n').split('\n');
  const logical: Array<{ line: number; text: string }> = [];
  let acc: string | null = null;
  let accLine = 0;
  rawLines.forEach((raw, n) => {
    const line: string = raw.replace(/^[ \t\f]+/, '');
    if (acc === null && (line === '' || line.startsWith('#') || line.startsWith('!'))) return;
    if (acc === null) accLine = n + 1;
    const joined: string = (acc ?? '') + line;
    // An odd number of trailing backslashes continues the line.
    const m = /(\\+)$/.exec(joined);
    if (m && m[1]!.length % 2 === 1) {
      acc = joined.slice(0, -1);
      return;
    }
    logical.push({ line: accLine, text: joined });
    acc = null;
  });
  if (acc !== null) logical.push({ line: accLine, text: acc });

  return logical.map(({ line: n, text: line }) => {
    let i = 0;
    let key = '';
    while (i < line.length) {
      const c = line[i];
      if (c === '\\' && i + 1 < line.length) {
        key += '\\' + line[i + 1];
        i += 2;
        continue;
      }
      if (c === '=' || c === ':' || c === ' ' || c === '\t' || c === '\f') break;
      key += c;
      i++;
    }
    // Separator: whitespace, then at most one of = or :, then whitespace.
    let separator: PropertyLine['separator'] = '';
    while (i < line.length && /[ \t\f]/.test(line[i]!)) {
      separator = ' ';
      i++;
    }
    if (i < line.length && (line[i] === '=' || line[i] === ':')) {
      separator = line[i] as '=' | ':';
      i++;
    }
    while (i < line.length && /[ \t\f]/.test(line[i]!)) i++;
    const value = unescape(line.slice(i));
    if (separator === ' ' && value === '') separator = '';
    return { line: n, key: unescape(key), value, separator };
  });
}

/** Parses java.util.Properties text into key → value (the last value of a key wins). */
export function parseProperties(text: string): Map<string, string> {
  return new Map(readPropertyLines(text).map((l) => [l.key, l.value]));
}

/** A line of a client properties file that is not a Kafka property. */
export interface PropertyProblem {
  line: number;
  message: string;
}

/** Kafka client property names: letters, digits, dots, dashes and underscores (`security.protocol`, `acks`). */
const PROPERTY_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;

/**
 * The lines of a Kafka client properties file that cma-demo will not guess about. java.util.Properties reads any
 * line as some key (`oops this is text` is the key `oops`), so a typo or a broken continuation would otherwise
 * be dropped without a word. A line must be `key=value` (or `key: value`) with a property name for a key. The
 * messages name the line and at most the key, never a value (a broken sasl.jaas.config line holds a password).
 */
export function propertyProblems(text: string): PropertyProblem[] {
  const out: PropertyProblem[] = [];
  for (const l of readPropertyLines(text)) {
    const key = l.key.length > 40 ? `${l.key.slice(0, 40)}…` : l.key;
    if (!PROPERTY_NAME.test(l.key)) out.push({ line: l.line, message: `"${key}" is not a property name (write key=value, e.g. security.protocol=SASL_SSL)` });
    else if (/^(username|password)$/i.test(l.key)) {
      out.push({
        line: l.line,
        message: `"${key}" is a JAAS option, not a property: it belongs inside sasl.jaas.config (end the line before it with \\ to continue that value)`,
      });
    } else if (l.separator === '') out.push({ line: l.line, message: `"${key}" has no value (write ${key}=value)` });
    else if (l.separator === ' ') out.push({ line: l.line, message: `"${key}" is not followed by = or : (write ${key}=value)` });
  }
  return out;
}

function unescape(s: string): string {
  return s.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_, e: string) => {
    if (e.length === 5) return String.fromCharCode(parseInt(e.slice(1), 16));
    switch (e) {
      case 't':
        return '\t';
      case 'n':
        return '\n';
      case 'r':
        return '\r';
      case 'f':
        return '\f';
      default:
        return e;
    }
  });
}

export interface JaasConfig {
  loginModule: string;
  username?: string;
  password?: string;
}

/**
 * Reads `sasl.jaas.config`, e.g.
 * `org.apache.kafka.common.security.scram.ScramLoginModule required username="u" password="p";`
 */
export function parseJaasConfig(value: string): JaasConfig | null {
  const m = /^\s*([\w.$]+)\s+(required|requisite|sufficient|optional)\s*(.*?);?\s*$/s.exec(value);
  if (!m) return null;
  const cfg: JaasConfig = { loginModule: m[1] };
  const opts = m[3];
  const re = /([\w.]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s;]+))/g;
  for (let r = re.exec(opts); r; r = re.exec(opts)) {
    const v = r[2] !== undefined ? r[2].replace(/\\(.)/g, '$1') : r[3];
    if (r[1] === 'username') cfg.username = v;
    if (r[1] === 'password') cfg.password = v;
  }
  return cfg;
}

/** The SASL mechanism a JAAS login module implies (when sasl.mechanism is absent). */
export function mechanismOfLoginModule(loginModule: string): 'plain' | 'scram-sha-512' | null {
  if (/PlainLoginModule$/.test(loginModule)) return 'plain';
  if (/ScramLoginModule$/.test(loginModule)) return 'scram-sha-512';
  return null;
}
