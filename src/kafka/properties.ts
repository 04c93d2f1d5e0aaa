/**
 * Pure parsing of Kafka-style client properties files (java.util.Properties syntax) and the parts of them
 * cma-demo understands: security.protocol, sasl.mechanism, sasl.jaas.config, ssl.truststore.*.
 */

/** Parses java.util.Properties text: `k=v`, `k:v`, `k v`, comments (# !), line continuations, \-escapes. */
export function parseProperties(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const rawLines = text.replace(/\r\n?/g, '\n').split('\n');
  const logical: string[] = [];
  let acc: string | null = null;
  for (const raw of rawLines) {
    const line: string = acc === null ? raw.replace(/^[ \t\f]+/, '') : raw.replace(/^[ \t\f]+/, '');
    if (acc === null && (line === '' || line.startsWith('#') || line.startsWith('!'))) continue;
    const joined: string = (acc ?? '') + line;
    // An odd number of trailing backslashes continues the line.
    const m = /(\\+)$/.exec(joined);
    if (m && m[1].length % 2 === 1) {
      acc = joined.slice(0, -1);
      continue;
    }
    logical.push(joined);
    acc = null;
  }
  if (acc !== null) logical.push(acc);

  for (const line of logical) {
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
    while (i < line.length && /[ \t\f]/.test(line[i])) i++;
    if (i < line.length && (line[i] === '=' || line[i] === ':')) i++;
    while (i < line.length && /[ \t\f]/.test(line[i])) i++;
    out.set(unescape(key), unescape(line.slice(i)));
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
