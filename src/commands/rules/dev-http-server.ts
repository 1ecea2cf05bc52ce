import { defineRule, perInvocation } from './rule.js';
import { isPython } from '../programs.js';

export const rule = defineRule({
  id: 'dev_http_server',
  category: 'network_listener',
  severity: 'low',
  technique: 'T1071.001',
  title: 'Starts a development web server that serves the current directory (informational)',
  check: perInvocation((inv) => {
    const a = inv.args.join(' ');
    if (isPython(inv.program) && /-m\s+(http\.server|SimpleHTTPServer)/.test(a)) return 'serves the files in this directory over HTTP to anyone who can reach the port';
    if (inv.program === 'php' && /(^|\s)-S\s/.test(a)) return 'starts a PHP development server';
    return undefined;
  }),
  cases: {
    positive: [['bash', 'python3 -m http.server 8000']],
    negative: [['bash', 'python3 -m pytest']],
  },
});
