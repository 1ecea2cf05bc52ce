import { defineRule, perInvocation } from './rule.js';
import { recursiveDeleteTargets } from './delete-system.js';

const PRECIOUS = /^(~|\/home\/[^/]+|\/Users\/[^/]+|\$HOME|\/root)\/(\.ssh|\.gnupg|Documents|Desktop|Pictures|Photos|Music|Videos|Downloads|Library|\.config|\.local)\/?$|^\/var\/lib\/(mysql|postgresql|docker|mongodb)\/?$|^\/(etc|var|usr)\/[^/]+\/?$|^\/(mnt|media)\/[^/]+\/?$|^\.git\/?$|^\*$|^\.\/\*$|^\.\.$|^\.\.\/\.\.?$/;

export const rule = defineRule({
  id: 'delete_user_data',
  category: 'destructive',
  severity: 'high',
  technique: 'T1485',
  title: 'Recursively deletes personal folders, keys, databases or system sub-directories',
  check: perInvocation((inv) => {
    const t = recursiveDeleteTargets(inv)?.find((x) => PRECIOUS.test(x));
    return t !== undefined ? `deletes everything under ${t}` : undefined;
  }),
  cases: {
    positive: [['bash', 'rm -rf ~/Documents'], ['bash', 'sudo rm -rf /var/lib/postgresql'], ['bash', 'rm -rf .git']],
    negative: [['bash', 'rm -rf ~/.cache/pip'], ['bash', 'rm -rf target/']],
  },
});
