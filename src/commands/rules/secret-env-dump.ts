import { defineRule, perInvocation } from './rule.js';
import { lowerArgs } from './match.js';

export const rule = defineRule({
  id: 'cloud_secret_export',
  category: 'credential_access',
  severity: 'high',
  technique: 'T1552.001',
  title: 'Prints cloud or CLI secrets (aws configure get secret, export-credentials, gh auth token)',
  check: perInvocation((inv) => {
    const a = lowerArgs(inv);
    if (inv.program === 'aws' && /configure (get|export-credentials)\b.*(secret|session_token|--format)|configure export-credentials/.test(a)) return 'prints AWS secret credentials';
    if (inv.program === 'gcloud' && /auth print-(access|identity|refresh)-token|auth application-default print-access-token/.test(a) && inv.downstream.length === 0 && inv.parent === undefined && !inv.redirects.length) return undefined;
    if (inv.program === 'kubectl' && /get secrets?\b.*-o\s*(json|yaml|jsonpath)|get secrets? -a|get secrets? --all-namespaces/.test(a) && /(-a|--all-namespaces)/.test(a)) return 'prints every Kubernetes secret in the cluster';
    if (inv.program === 'az' && /account get-access-token/.test(a) && inv.downstream.length > 0) return 'prints an Azure access token';
    return undefined;
  }),
  cases: {
    positive: [['bash', 'aws configure get aws_secret_access_key'], ['bash', 'kubectl get secrets -A -o yaml']],
    negative: [['bash', 'aws configure get region'], ['bash', 'kubectl get secret my-secret -n app']],
  },
});
