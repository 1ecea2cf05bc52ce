import { defineRule, perInvocation } from './rule.js';
import { writeTargets } from './writes.js';

export const rule = defineRule({
  id: 'shell_profile_write',
  category: 'persistence',
  severity: 'low',
  technique: 'T1546.004',
  title: 'Appends to a shell start-up file (~/.bashrc, ~/.zshrc, $PROFILE); what is added runs in every new shell',
  check: perInvocation((inv) => {
    const f = writeTargets(inv).find((x) => /(^|\/)\.(bashrc|bash_profile|bash_login|profile|zshrc|zprofile|zshenv|zlogin|kshrc|cshrc|tcshrc)$|^\/etc\/(profile|bash\.bashrc|zsh\/zshrc|environment)$|^\/etc\/profile\.d\/|\$profile|microsoft\.powershell_profile\.ps1|config\.fish$/i.test(x));
    return f ? `writes to ${f}; whatever is added there runs every time a shell starts` : undefined;
  }),
  cases: {
    positive: [['bash', `echo 'export PATH="$HOME/.local/bin:$PATH"' >> ~/.bashrc`], ['powershell', "Add-Content -Path $PROFILE -Value 'Set-Alias k kubectl'"]],
    negative: [['bash', 'cat ~/.bashrc'], ['bash', 'source ~/.bashrc']],
  },
});
