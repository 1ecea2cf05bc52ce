import { defineRule, perInvocation, type Hit } from './rule.js';
import { lowerArgs } from './match.js';

const TOOLS = /^(mimikatz|pypykatz|lazagne|secretsdump(\.py)?|invoke-mimikatz|out-minidump|get-gpppassword|invoke-kerberoast|rubeus|sharpdump|nanodump|procdump(64)?|gsecdump|pwdump\d?|wce|fgdump|mimipenguin|dumpert|ntdsutil|invoke-ninjacopy|get-vaultcredential|sharpchrome|sharpweb|hashdump)$/i;

export const rule = defineRule({
  id: 'credential_dump',
  category: 'credential_access',
  severity: 'critical',
  technique: 'T1003',
  title: 'Dumps passwords or hashes from memory, the registry, keychains or the domain database',
  check(ctx) {
    const hits: Hit[] = perInvocation((inv) => {
      const a = lowerArgs(inv);
      const p = inv.program;
      if (TOOLS.test(p)) {
        if (p.startsWith('procdump') && !/lsass/.test(a)) return undefined;
        if (p === 'ntdsutil' && !/ifm|ntds/.test(a)) return undefined;
        return `${p} is a credential dumping tool`;
      }
      if (p === 'gpg' && /--export-secret-(keys|subkeys)/.test(a)) return 'exports GPG private keys';
      if (p === 'rundll32' && /comsvcs(\.dll)?[, ]+#?(minidump|24)/.test(a)) return 'dumps a process (typically LSASS, which holds logon secrets) with comsvcs.dll MiniDump';
      if (p === 'security' && /^(dump-keychain|find-generic-password.*-[wg]|find-internet-password.*-[wg]|export)/.test(a)) return 'reads secrets out of the macOS keychain';
      if (p === 'vssadmin' && /create shadow/.test(a)) return 'creates a volume shadow copy, usually to copy locked credential files (NTDS.dit, SAM)';
      if (p === 'esentutl' && /ntds|sam|system/.test(a)) return 'copies a locked credential database with esentutl';
      if (p === 'cmdkey' && /\/list/.test(a)) return 'lists stored Windows credentials';
      if (p === 'vaultcmd' && /listcreds/.test(a)) return 'lists the Windows credential vault';
      if ((p === 'gdb' || p === 'gcore') && /sshd|gnome-keyring|lsass|login/.test(a)) return 'dumps the memory of a process that holds secrets';
      if ((p === 'secret-tool' && /lookup|search/.test(a)) || (p === 'kwallet-query' && /-r/.test(a))) return 'reads secrets from the desktop keyring';
      return undefined;
    })(ctx);
    for (const s of ctx.psScripts) {
      if (/sekurlsa|lsadump::|invoke-mimikatz|minidumpwritedump|out-minidump|get-gpppassword|kerberos::|dpapi::|\blsass\b.*(dump|minidump)|(dump|minidump).*\blsass\b/.test(s.text)) hits.push({ span: s.span, explanation: 'dumps logon secrets (Mimikatz-style credential theft)' });
    }
    return hits;
  },
  cases: {
    positive: [
      ['cmd', 'procdump.exe -accepteula -ma lsass.exe lsass.dmp'],
      ['cmd', 'rundll32.exe C:\\Windows\\System32\\comsvcs.dll, MiniDump 624 C:\\temp\\l.dmp full'],
      ['powershell', "Invoke-Mimikatz -Command '\"sekurlsa::logonpasswords\"'"],
      ['bash', 'security dump-keychain -d login.keychain'],
      ['cmd', 'vssadmin create shadow /for=C:'],
    ],
    negative: [['cmd', 'procdump -ma myapp.exe'], ['bash', 'security list-keychains']],
  },
});
