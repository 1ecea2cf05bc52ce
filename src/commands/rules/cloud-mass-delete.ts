import { defineRule, perInvocation } from './rule.js';
import { lowerArgs } from './match.js';

export const rule = defineRule({
  id: 'infrastructure_delete',
  category: 'destructive',
  severity: 'medium',
  technique: 'T1485',
  title: 'Destroys infrastructure or data in bulk (terraform destroy, bucket removal, namespace deletion, DROP DATABASE)',
  check: perInvocation((inv) => {
    const a = lowerArgs(inv);
    const p = inv.program;
    if (p === 'terraform' && /^destroy\b|apply\b.*-destroy/.test(a)) return 'destroys every resource this Terraform configuration manages';
    if (p === 'aws' && /^s3 (rb\b.*--force|rm\b.*--recursive)/.test(a)) return 'deletes S3 objects in bulk';
    if (p === 'aws' && /^(rds delete-db-(instance|cluster)|dynamodb delete-table|ec2 terminate-instances|cloudformation delete-stack)/.test(a)) return `deletes cloud resources (${a.split(' ').slice(0, 2).join(' ')})`;
    if (p === 'gcloud' && /^(projects delete|sql instances delete|container clusters delete|compute instances delete)/.test(a)) return 'deletes cloud resources';
    if (p === 'az' && /^group delete/.test(a)) return 'deletes an Azure resource group and everything in it';
    if (p === 'kubectl' && /^delete\b/.test(a) && /(\bns\b|namespaces?\b|--all\b|-a\b|--all-namespaces|\bpv\b|persistentvolume)/.test(a)) return 'deletes Kubernetes resources in bulk';
    if ((p === 'psql' || p === 'mysql' || p === 'sqlcmd' || p === 'mongo' || p === 'mongosh') && /drop\s+(database|schema|table)|truncate\s+table|dropdatabase\(\)/.test(a)) return 'drops database objects';
    if (p === 'redis-cli' && /\bflushall\b|\bflushdb\b/.test(a)) return 'deletes every key in Redis';
    if (p === 'git' && /^push\b.*(\s--force(\s|$)|\s-f(\s|$)|\s\+\S)/.test(a) && /\b(main|master|prod|production|release)\b/.test(a)) return 'force-pushes over a shared branch, which can erase others\' commits';
    return undefined;
  }),
  cases: {
    positive: [['bash', 'terraform destroy -auto-approve'], ['bash', 'aws s3 rb s3://prod-data --force'], ['bash', 'kubectl delete ns payments'], ['bash', 'git push --force origin main']],
    negative: [['bash', 'terraform plan'], ['bash', 'kubectl delete pod web-7d9f'], ['bash', 'git push --force-with-lease origin feature/x']],
  },
});
