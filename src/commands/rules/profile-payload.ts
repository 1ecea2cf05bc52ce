import { defineRule, perInvocation } from './rule.js';
import { writeTargets, writtenText } from './writes.js';
import { isStagingPath } from './match.js';

const STARTUP = /(^|\/)\.(bashrc|bash_profile|bash_login|profile|zshrc|zprofile|zshenv|zlogin)$|^\/etc\/(profile|bash\.bashrc|zsh\/zshrc)$|^\/etc\/profile\.d\/|\$profile|microsoft\.powershell_profile\.ps1|config\.fish$|cron|rc\.local|systemd|\.desktop$|launchagents|authorized_keys/i;
const PAYLOAD = /\b(curl|wget|nc|ncat|socat|telnet|base64|python[0-9.]*\s+-c|perl\s+-e|mkfifo)\b|\/dev\/(tcp|udp)\/|(^|[\s"'=])(\/tmp|\/dev\/shm|\/var\/tmp)\/|\bnohup\b.*&|\balias\s+(sudo|ssh|su|ls|cd|git)=|iex|downloadstring|-enc(odedcommand)?\s/i;

export const rule = defineRule({
  id: 'startup_payload',
  category: 'persistence',
  severity: 'critical',
  technique: 'T1547',
  title: 'Plants a downloader, network tool, temp-dir program or alias hijack in a start-up file, cron or a service',
  check: perInvocation((inv) => {
    const a = inv.args.join(' ').toLowerCase();
    if ((inv.program === 'sc' && /^create\b/.test(a) || inv.program === 'new-service') && isStagingPath(a.replace(/binpath=\s*/, ''))) return 'creates a service that runs a program from a user-writable place (ProgramData, Public, Temp)';
    const target = writeTargets(inv).find((t) => STARTUP.test(t));
    if (!target) return undefined;
    if (/^(cp|mv|install|copy|copy-item|move-item|ln)$/.test(inv.program) && inv.args.some((x) => !x.startsWith('-') && x !== target && isStagingPath(x))) return `copies a program from a temporary or hidden place into ${target}, so it starts automatically`;
    const text = writtenText(inv);
    return PAYLOAD.test(text) ? `adds "${text.length > 70 ? text.slice(0, 67) + '…' : text}" to ${target}, so it runs again automatically later` : undefined;
  }),
  cases: {
    positive: [['bash', 'echo "nohup /tmp/.d >/dev/null 2>&1 &" >> ~/.bashrc'], ['bash', `echo 'alias sudo="sudo sh -c x; sudo"' >> ~/.zshrc`]],
    negative: [['bash', `echo 'export PATH="$HOME/.local/bin:$PATH"' >> ~/.bashrc`], ['bash', `echo 'eval "$(direnv hook bash)"' >> ~/.bashrc`]],
  },
});
