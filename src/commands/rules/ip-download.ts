import { defineRule, perInvocation } from './rule.js';
import { hostOf, invocationUrls, isPublicIp } from './match.js';
import { isFetcher } from '../programs.js';

export const rule = defineRule({
  id: 'ip_download',
  category: 'remote_fetch',
  severity: 'high',
  technique: 'T1105',
  title: 'Fetches from a bare public IP address instead of a named host',
  check: perInvocation((inv) => {
    if (!isFetcher(inv)) return undefined;
    const u = invocationUrls(inv).find((x) => isPublicIp(hostOf(x) ?? ''));
    return u ? `contacts ${u}, a bare IP address; legitimate services are normally reached by name` : undefined;
  }),
  cases: {
    positive: [['bash', 'curl http://185.3.4.5:8080/x']],
    negative: [['bash', 'curl http://127.0.0.1:3000/health'], ['bash', 'curl http://192.168.1.10/api']],
  },
});
