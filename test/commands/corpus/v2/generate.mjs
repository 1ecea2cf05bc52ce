#!/usr/bin/env node
/**
 * Expands corpus v2 (malicious.mjs, benign.mjs) into corpus.jsonl:
 *   {"id","split":"tuning"|"holdout","label":"malicious"|"benign","category","shell","command"}
 * The split is fixed by a hash of the template, so a template's variants stay in one half and the
 * halves never move when entries are added. Run: node test/commands/corpus/v2/generate.mjs
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { malicious } from './malicious.mjs';
import { benign } from './benign.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const fills = [
  { url: 'http://203.0.113.77', ipurl: 'http://203.0.113.77', ip: '203.0.113.77', port: '4444', host: 'relay.example.net' },
  { url: 'https://cdn.example.org/x', ipurl: 'http://198.51.100.9:8080', ip: '198.51.100.9', port: '8443', host: 'update.example.com' },
];
const splitOf = (template) => (createHash('sha256').update(template).digest()[0] % 2 === 0 ? 'tuning' : 'holdout');
const out = [];
const seen = new Set();
let n = 0;
const push = (e) => {
  const key = e.shell + '\0' + e.command;
  if (seen.has(key)) return;
  seen.add(key);
  out.push({ id: `v2-${++n}`, ...e });
};
for (const [category, shell, template] of malicious) {
  const variants = /\{(url|ipurl|ip|port|host)\}/.test(template) ? fills : [fills[0]];
  for (const f of variants) push({ split: splitOf(template), label: 'malicious', category, shell, command: template.replace(/\{(url|ipurl|ip|port|host)\}/g, (_m, k) => f[k]) });
}
for (const [group, shell, command] of benign) push({ split: splitOf(command), label: 'benign', category: group, shell, command });
writeFileSync(join(here, 'corpus.jsonl'), out.map((x) => JSON.stringify(x)).join('\n') + '\n');
const count = (p) => out.filter(p).length;
console.log(`malicious ${count((e) => e.label === 'malicious')} (holdout ${count((e) => e.label === 'malicious' && e.split === 'holdout')}), everyday ${count((e) => e.label === 'benign')} (holdout ${count((e) => e.label === 'benign' && e.split === 'holdout')})`);
