/**
 * Validates JUnit XML against test/fixtures/junit.xsd with libxml2 compiled to WebAssembly (xmllint-wasm),
 * so the check needs nothing beyond `npm ci`: no system xmllint binary, nothing skipped.
 */
import fs from 'node:fs';
import path from 'node:path';
import { validateXML } from 'xmllint-wasm';

export const JUNIT_XSD = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../fixtures/junit.xsd');

export interface SchemaResult {
  ok: boolean;
  /** xmllint's messages, one per line (empty when valid). */
  errors: string;
}

export async function validateJUnit(xml: string): Promise<SchemaResult> {
  const r = await validateXML({
    xml: { fileName: 'junit.xml', contents: xml },
    schema: { fileName: 'junit.xsd', contents: fs.readFileSync(JUNIT_XSD, 'utf8') },
  });
  return { ok: r.valid, errors: r.errors.map((e) => e.rawMessage).join('\n') };
}
