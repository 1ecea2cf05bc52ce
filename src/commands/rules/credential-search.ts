import { defineRule, perInvocation } from './rule.js';
import { lowerArgs } from './match.js';

export const rule = defineRule({
  id: 'credential_search',
  category: 'credential_access',
  severity: 'high',
  technique: 'T1552.001',
  title: 'Searches the file system or registry for passwords and keys',
  check: perInvocation((inv) => {
    const a = lowerArgs(inv);
    const p = inv.program;
    const words = /pass(word|wd)?|secret|credential|api[_-]?key|private key|begin (rsa|openssh) private/;
    if ((p === 'grep' || p === 'rg' || p === 'egrep' || p === 'ag') && /(^|\s)-[a-z]*r|--recursive|(^|\s)-[a-z]*R/.test(a) && words.test(a) && /(^|\s)(\/|~|\/home|\/etc|\/var|\/root|\$home)(\s|\/|$)/.test(a)) return 'searches the whole system or home directory for passwords and keys';
    if (p === 'findstr' && /\/s/.test(a) && words.test(a)) return 'searches files for passwords';
    if (p === 'reg' && /query/.test(a) && /\/f\s+pass|\/s.*password|winlogon|putty\\sessions|realvnc|\bvnc\b/.test(a)) return 'searches the registry for stored passwords';
    if (p === 'select-string' && words.test(a) && /-path\s+[a-z]:\\|-recurse/.test(a)) return 'searches files for passwords';
    if ((p === 'get-childitem' || p === 'dir' || p === 'where') && /-recurse|\/s\b/.test(a) && /\.(kdbx|pfx|p12|ppk|rdp|vnc|key)\b|id_rsa|unattend|credential|password/.test(a)) return 'searches the disk for password databases, keys or credential files';
    if (p === 'find' && /-name\s+\S*(id_rsa|\.pem|\.key|\.kdbx|credentials|\.pfx|\.p12|wallet)/.test(a) && /^(\/|~)/.test(a)) return 'searches the file system for private keys and credential files';
    if (p === 'laZagne' || p === 'trufflehog' && /filesystem\s+\//.test(a)) return 'searches for stored credentials';
    return undefined;
  }),
  cases: {
    positive: [['bash', 'grep -rI "password" /etc /home 2>/dev/null'], ['cmd', 'findstr /si password *.xml *.ini *.txt'], ['cmd', 'reg query HKLM /f password /t REG_SZ /s']],
    negative: [['bash', 'grep -rn "password" src/'], ['bash', 'grep -r TODO .']],
  },
});
