import { defineRule, perInvocation } from './rule.js';
import { invocationUrls } from './match.js';
import { isFetcher } from '../programs.js';

const META = /^https?:\/\/(169\.254\.169\.254|\[fd00:ec2::254\]|metadata\.google\.internal|metadata\.azure\.com|100\.100\.100\.200|169\.254\.170\.2)(\/|$)/i;

export const rule = defineRule({
  id: 'cloud_metadata_credentials',
  category: 'credential_access',
  severity: 'critical',
  technique: 'T1552.005',
  title: 'Reads cloud instance credentials from the metadata service (169.254.169.254)',
  check: perInvocation((inv, ctx) => {
    const urls = isFetcher(inv) ? invocationUrls(inv) : [];
    const text = ctx.psScripts.map((s) => s.text).join(' ');
    const hit = urls.find((u) => META.test(u)) ?? (inv.lang === 'powershell' && META.test(text) ? '169.254.169.254' : undefined);
    if (!hit) return undefined;
    return `asks the cloud metadata service (${hit}) for this machine's identity or credentials`;
  }),
  cases: {
    positive: [
      ['bash', 'curl http://169.254.169.254/latest/meta-data/iam/security-credentials/'],
      ['bash', 'curl -H "Metadata-Flavor: Google" http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token'],
    ],
    negative: [['bash', 'curl https://example.com/latest/meta-data']],
  },
});
