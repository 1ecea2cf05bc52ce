/** Facts for policy: programs, URLs, hosts, files read and written, env vars read, root. */
import { DYN } from './ir.js';
import type { Engine } from './engine.js';
import type { CommandFacts } from './types.js';
import { CONTENT_READERS, fetchOutputs, hostOf, invocationUrls, urlsIn } from './rules/match.js';
import { isFetcher } from './programs.js';
import { redact } from './redact.js';

const WRITERS = new Set(['tee', 'cp', 'mv', 'install', 'dd', 'touch', 'set-content', 'add-content', 'out-file', 'new-item', 'copy-item', 'move-item', 'ln']);

export function collectFacts(engine: Engine): CommandFacts {
  const programs = new Set<string>();
  const urls = new Set<string>();
  const read = new Set<string>();
  const written = new Set<string>();
  let needsRoot = false;
  for (const inv of engine.invocations) {
    if (!inv.program.includes(DYN)) programs.add(inv.program);
    if (inv.root || inv.program === 'sudo' || inv.program === 'doas' || inv.program === 'su') needsRoot = true;
    for (const u of invocationUrls(inv)) urls.add(u);
    for (const r of inv.redirects) {
      if (!r.target || r.target.includes(DYN) || /^&?\d$/.test(r.target)) continue;
      if (r.op.includes('>')) written.add(r.target);
      else if (r.op === '<') read.add(r.target);
    }
    const operands = inv.args.filter((a) => !a.startsWith('-') && !a.includes(DYN) && /[/\\.~]/.test(a) && !/^[a-z]+:\/\//i.test(a));
    if (isFetcher(inv)) for (const f of fetchOutputs(inv)) written.add(f);
    else if (WRITERS.has(inv.program) && operands.length > 0) {
      for (const f of operands.slice(inv.program === 'tee' || inv.program === 'touch' ? 0 : -1)) written.add(f);
      if (inv.program === 'cp' || inv.program === 'copy-item' || inv.program === 'mv' || inv.program === 'move-item') for (const f of operands.slice(0, -1)) read.add(f);
    } else if (CONTENT_READERS.has(inv.program) || inv.program === 'source' || inv.program === '.') for (const f of operands) read.add(f);
  }
  for (const s of engine.psScripts) for (const u of urlsIn(s.text)) urls.add(u);
  for (const s of engine.snippets) for (const u of urlsIn(s.text)) urls.add(u);
  const hosts = new Set<string>();
  for (const u of urls) { const h = hostOf(u); if (h) hosts.add(h); }
  return {
    programs: [...programs].slice(0, 200),
    // URLs can carry credentials (user:password@host, ?token=…): facts are shown and logged.
    urls: [...urls].slice(0, 200).map(redact),
    hosts: [...hosts].slice(0, 200),
    filesRead: [...read].slice(0, 200),
    filesWritten: [...written].slice(0, 200),
    envRead: [...engine.envRead].slice(0, 200),
    needsRoot,
    scripts: [...new Set(engine.scriptCalls.filter((c) => !c.dynamic).map((c) => c.path))].slice(0, 64),
  };
}
