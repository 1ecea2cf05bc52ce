import { defineRule, perInvocation } from './rule.js';
import { fetchOutputs, invocationUrls } from './match.js';
import { isFetcher } from '../programs.js';

export const rule = defineRule({
  id: 'network_fetch',
  category: 'remote_fetch',
  severity: 'low',
  technique: 'T1105',
  title: 'Fetches something from the network (informational)',
  check: perInvocation((inv) => {
    if (!isFetcher(inv)) return undefined;
    const url = invocationUrls(inv)[0];
    const out = fetchOutputs(inv)[0];
    return `fetches ${url ?? 'data from the network'}${out ? ` and saves it as ${out}` : ''}`;
  }),
  cases: {
    positive: [['bash', 'curl -fsSL https://example.com/install.sh -o install.sh'], ['powershell', 'Invoke-WebRequest https://example.com/a.zip -OutFile a.zip']],
    negative: [['bash', 'git status']],
  },
});
