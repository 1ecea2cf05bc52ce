import { policySetTextToParts, policyToJson } from '@cedar-policy/cedar-wasm/nodejs';
import type { PolicyJson } from '@cedar-policy/cedar-wasm/nodejs';
import { readAnnotations } from './annotations.js';
import { detailedProblems } from './diagnostics.js';
import { countNewlines, lineAtByte, lineAtIndex } from './source-lines.js';
import type { BundleProblem, PolicyInfo } from './types.js';

/** One policy of the bundle as read from its file. */
export interface ParsedPolicy {
  info: PolicyInfo;
  text: string;
  json: PolicyJson;
  /** Maps a byte offset inside `text` to a line of the file. */
  lineOf: (byteOffset: number) => number;
}

/**
 * Splits every `.cedar` file into policies, assigns ids (`@id`, else `<file>:<index>`, 0-based),
 * reads the annotations and reports every problem with its file and line.
 */
export function readPolicies(
  files: ReadonlyArray<[string, string]>,
  entityTypes: ReadonlySet<string> | undefined,
): { policies: ParsedPolicy[]; problems: BundleProblem[] } {
  const policies: ParsedPolicy[] = [];
  const problems: BundleProblem[] = [];
  const byId = new Map<string, ParsedPolicy>();
  for (const [file, source] of files) {
    const parts = policySetTextToParts(source);
    if (parts.type === 'failure') {
      problems.push(...detailedProblems(file, source, parts.errors));
      continue;
    }
    let cursor = 0;
    for (const template of parts.policy_templates) {
      const at = source.indexOf(template);
      problems.push({
        file,
        ...(at >= 0 ? { line: lineAtIndex(source, at) } : {}),
        message: 'policy templates (?principal / ?resource slots) are not supported in a bundle',
      });
    }
    parts.policies.forEach((text, index) => {
      // policySetTextToParts returns exact slices of the source, so the text can be found in order.
      const at = source.indexOf(text, cursor);
      const start = at >= 0 ? at : cursor;
      if (at >= 0) cursor = at + text.length;
      const line = lineAtIndex(source, start);
      const json = policyToJson(text);
      if (json.type === 'failure') {
        problems.push(...detailedProblems(file, text, json.errors, { lineOf: (b) => line + lineAtByte(text, b) - 1 }));
        return;
      }
      const annotations = json.json.annotations ?? {};
      const id = annotations['id'] ?? `${file}:${index}`;
      const lineOfKey = (key: string): number => {
        const m = new RegExp(`@${key}\\s*\\(`).exec(text);
        return m ? line + countNewlines(text.slice(0, m.index)) : line;
      };
      if (id.trim() === '') {
        problems.push({ file, line: lineOfKey('id'), message: '@id("") is empty' });
        return;
      }
      const effect = json.json.effect;
      const read = readAnnotations(id, effect, annotations, entityTypes);
      for (const p of read.problems) problems.push({ file, line: lineOfKey(p.key), policyId: id, message: p.message });
      const info: PolicyInfo = {
        id,
        effect,
        file,
        line,
        annotations,
        ...(read.requirement ? { requirement: read.requirement } : {}),
        ...(read.reason !== undefined ? { reason: read.reason } : {}),
        ...(read.notify ? { notify: read.notify } : {}),
      };
      const prior = byId.get(id);
      if (prior) {
        problems.push({
          file,
          line,
          policyId: id,
          message: `duplicate policy id "${id}" (first at ${prior.info.file}:${prior.info.line})`,
        });
        return;
      }
      const parsed: ParsedPolicy = { info, text, json: json.json, lineOf: (b) => line + lineAtByte(text, b) - 1 };
      byId.set(id, parsed);
      policies.push(parsed);
    });
  }
  return { policies, problems };
}
