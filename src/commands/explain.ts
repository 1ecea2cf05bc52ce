/** The command as numbered plain-language steps, for a confirmation prompt. */
import type { Invocation } from './ir.js';
import type { Finding } from './types.js';
import { display, fetchOutputs, invocationUrls } from './rules/match.js';
import { isFetcher, isCodeRunner, readsCodeFromStdin } from './programs.js';
import { isSender } from './rules/exfil-upload.js';

const VERBS: Record<string, string> = {
  rm: 'deletes', 'remove-item': 'deletes', del: 'deletes', rmdir: 'removes directories', rd: 'removes directories', cp: 'copies', mv: 'moves',
  chmod: 'changes permissions of', chown: 'changes the owner of', git: 'runs git:', docker: 'runs docker:', kubectl: 'runs kubectl:',
  tar: 'archives or extracts', ssh: 'opens an SSH session:', scp: 'copies over SSH:', rsync: 'synchronizes files:', crontab: 'changes scheduled jobs:',
  echo: 'prints', printf: 'prints', cat: 'prints', base64: 'encodes or decodes base64:', apt: 'manages packages:', 'apt-get': 'manages packages:',
  npm: 'runs npm:', pip: 'installs Python packages:', pip3: 'installs Python packages:', find: 'searches files:', grep: 'searches text:',
};

function describe(inv: Invocation): string {
  const shown = display(inv, 100);
  if (isSender(inv)) {
    const to = invocationUrls(inv)[0] ?? inv.args.filter((a) => !a.startsWith('-')).slice(-2).join(' ');
    const from = inv.upstream.length > 0 ? 'the output of the previous step' : 'data';
    return `Sends ${from} to ${to || 'another machine'} (\`${shown}\`)`;
  }
  if (isFetcher(inv)) {
    const urls = invocationUrls(inv);
    const outs = fetchOutputs(inv);
    const to = outs.length > 0 ? ` and saves it as ${outs.join(', ')}` : inv.downstream.length > 0 ? ` and passes it to ${inv.downstream[0]!.program}` : '';
    return `Downloads ${urls[0] ?? 'from the network'}${to} (\`${shown}\`)`;
  }
  if (isCodeRunner(inv.program) && readsCodeFromStdin(inv) && inv.upstream.length > 0) return `Runs whatever the previous step outputs as a ${inv.program} program (\`${shown}\`)`;
  const verb = VERBS[inv.program];
  const who = inv.root ? ' as root' : '';
  if (verb) {
    const operands = inv.args.filter((a) => !a.startsWith('-')).join(' ').slice(0, 80);
    const recursive = /^(rm|remove-item|cp|chmod|chown)$/.test(inv.program) && inv.args.some((a) => /^-[a-zA-Z]*[rR]|^--recursive|^-recurse$/i.test(a)) ? ' recursively' : '';
    return `${verb[0]!.toUpperCase()}${verb.slice(1)} ${operands}${recursive}${who} (\`${shown}\`)`.replace(/\s+\(/, ' (');
  }
  return `Runs ${inv.program}${who}${inv.args.length > 0 ? ` with ${inv.args.length} argument${inv.args.length === 1 ? '' : 's'}` : ''} (\`${shown}\`)`;
}

export function summarize(invocations: readonly Invocation[], findings: readonly Finding[]): string[] {
  const steps: string[] = [];
  let n = 0;
  for (const inv of invocations) {
    if (steps.length >= 25) {
      steps.push(`… and ${invocations.length - n} more commands`);
      break;
    }
    n++;
    const indent = '   '.repeat(Math.min(inv.depth, 4));
    const via = inv.decoded ? ' [hidden: decoded from an encoded payload]' : inv.depth > 0 ? ' [nested]' : '';
    steps.push(`${indent}${n}. ${describe(inv)}${via}`);
  }
  if (steps.length === 0) steps.push(findings.length > 0 ? '1. Could not identify the commands this runs.' : '1. Runs nothing.');
  return steps;
}
