import { defineRule, type Hit } from './rule.js';
import { capabilityUses } from '../catalog/uses.js';
import { isPosixShell } from '../programs.js';
import { display } from './match.js';
import type { Invocation } from '../ir.js';

/** Programs whose job is to give a shell somewhere else (containers, remote hosts, other users): not a breakout. */
const SHELL_GIVERS = new Set(['sudo', 'doas', 'su', 'runuser', 'pkexec', 'run0', 'ssh', 'docker', 'podman', 'kubectl', 'oc', 'lxc', 'lxc-attach', 'tmux', 'screen', 'nix-shell', 'poetry', 'pipenv', 'vagrant', 'distrobox', 'toolbox', 'machinectl', 'systemd-run', 'sshpass', 'mosh', 'nohup', 'time', 'exec', 'command', 'builtin', 'setsid', 'bash', 'sh', 'zsh', 'dash', 'ksh', 'fish']);
/** Container and VM front ends: a shell there is inside the container. */
const CONTAINER_SHELLS = new Set(['nerdctl', 'crictl', 'ctr', 'lxc-execute', 'virsh', 'kubectl', 'oc', 'docker', 'podman', 'nsenter', 'chroot', 'unshare', 'firejail', 'bwrap', 'flatpak', 'wsl', 'bash']);
/** A whole argument that is a shell (`/bin/sh`, `bash`). */
const SHELL_ARG = /^(?:\/usr)?(?:\/bin\/|\/sbin\/)?(?:ba|da|z|k|mk|a|r|tc|c|fi|ya)?sh$/;
/** A shell started inside an option value or script text with nothing to run (`exec=/bin/sh`, `'sh #'`, `!sh`, `;sh 0<&2`). */
const SHELL_IN_TEXT = /(?:^|[\s'"=:;!(,`{|])(?:\/usr)?(?:\/bin\/)?(?:ba|da|z|k|mk|a|r|tc|c|fi)?sh(?:\s+-[ipl]+)?\s*(?:$|[#;)'"`}&|,]|\d?<&|\d?>&)/;
/** Inline code that replaces itself with, or spawns, an interactive shell. */
const SNIPPET_SHELL = /(?:pty\.spawn|os\.exec\w*|os\.system|os\.execute|os\.popen|subprocess\.\w+|spawn(?:sync)?|exec(?:sync|l|lp|v|vp|ve)?|system|pcntl_exec|kernel\.exec|io\.popen|popen|passthru|shell_exec|proc_open)\s*\(?\s*\[?\s*["'](?:\/usr)?(?:\/bin\/)?(?:ba|da|z|k|a|r|tc|c|fi)?sh["']\s*[,)\]]?/i;
const SETUID0 = /set(?:re)?s?uid\s*\(\s*0|posix::setuid\(0|process::sys\.setuid\(0|setuid\s*0/i;

function nextIsCommand(args: readonly string[], i: number): boolean {
  const n = args[i + 1];
  return n !== undefined && (n === '-c' || /^-[a-z]*c$/.test(n) || (!n.startsWith('-') && !/^(;|\\;|\+|0<&\d|1>&\d|2>&\d)$/.test(n)));
}

function shellTarget(targets: readonly string[], textOnly: boolean): string | undefined {
  for (let i = 0; i < targets.length; i++) {
    const t = targets[i]!;
    if (SHELL_ARG.test(t)) { if (!textOnly && !nextIsCommand(targets, i)) return t; continue; }
    if (t.length < 400 && SHELL_IN_TEXT.test(t.replace(/^-[\w-]*[=:]/, ' '))) return t;
  }
  return undefined;
}

/** The first program on the way up (wrappers, then the programs that launched this one) that is not a shell or a shell-giver. */
function launcherOf(inv: Invocation): string | undefined {
  for (let p: Invocation | undefined = inv; p; p = p.parent) {
    const w = p.wrappers.find((x) => !SHELL_GIVERS.has(x));
    if (w) return w;
    if (p !== inv && !SHELL_GIVERS.has(p.program) && !isPosixShell(p.program) && !CONTAINER_SHELLS.has(p.program)) return p.program;
    if (p !== inv && CONTAINER_SHELLS.has(p.program)) return undefined;
  }
  return undefined;
}

function rootAnywhere(inv: Invocation): boolean {
  for (let p: Invocation | undefined = inv; p; p = p.parent) if (p.root) return true;
  return false;
}

function verdict(root: boolean, keepsPrivilege: boolean): { severity: 'high' | 'critical'; technique: string; how: string } {
  if (keepsPrivilege) return { severity: 'critical', technique: 'T1548.001', how: 'keeping the set-user-id privileges' };
  if (root) return { severity: 'critical', technique: 'T1548.003', how: 'with root rights granted by sudo/doas' };
  return { severity: 'high', technique: 'T1059.004', how: 'outside whatever restricted what could be run' };
}

export const rule = defineRule({
  id: 'shell_breakout',
  category: 'privilege_escalation',
  severity: 'high',
  technique: 'T1059.004',
  variable: true,
  title: 'A program that can run commands (per the capability catalog) is used to start an interactive shell — as root under sudo/doas (critical), keeping set-uid rights with -p (critical), or to escape a restriction',
  check(ctx) {
    const hits: Hit[] = [];
    const seen = new Set<number>();
    for (const inv of ctx.invocations) {
      // 1. An interactive shell started by another program (find -exec /bin/sh, env sh, awk system("sh")…).
      if (!isPosixShell(inv.program) || inv.upstream.length > 0 || inv.stdinText !== undefined) continue;
      const interactive = !inv.args.some((a) => /^-[a-z]*c[a-z]*$/.test(a) || (!a.startsWith('-') && !a.startsWith('+')));
      const keeps = inv.args.some((a) => /^-[a-z]*p[a-z]*$/.test(a));
      const launcher = launcherOf(inv);
      if (!interactive || !(launcher || keeps)) continue;
      const v = verdict(rootAnywhere(inv), keeps);
      hits.push({ span: inv.span, severity: v.severity, technique: v.technique, explanation: `${launcher ? `uses ${launcher} to start` : 'starts'} an interactive shell ${v.how}` });
      for (let p: Invocation | undefined = inv; p; p = p.parent) seen.add(p.id);
    }
    for (const inv of ctx.invocations) {
      if (seen.has(inv.id)) continue;
      // 2. An exec capability unlocked with a bare shell as what it runs (tar --checkpoint-action=exec=sh, apt-get -o …=/bin/sh, zip -TT 'sh #').
      for (const use of capabilityUses(inv, ctx, ctx.catalog)) {
        if (use.cap !== 'exec-or-shell' || use.via === 'code' || isPosixShell(inv.program) || CONTAINER_SHELLS.has(inv.program)) continue;
        const sh = shellTarget(use.targets, SHELL_GIVERS.has(inv.program));
        if (!sh) continue;
        const v = verdict(inv.root, false);
        hits.push({ span: inv.span, severity: v.severity, technique: v.technique, explanation: `${display(inv, 60)} makes ${inv.program} start a shell (${sh.slice(0, 40)}) ${v.how}` });
        break;
      }
    }
    // 3. Inline code that becomes a shell (pty.spawn("/bin/sh"), exec "/bin/sh", os.setuid(0)).
    for (const s of ctx.snippets) {
      const text = s.text.length > 4000 ? s.text.slice(0, 4000) : s.text;
      if (!SNIPPET_SHELL.test(text)) continue;
      if (s.via && seen.has(s.via.id)) continue;
      const v = verdict(s.via?.root ?? false, SETUID0.test(text));
      hits.push({ span: s.span, severity: v.severity, technique: v.technique, explanation: `${s.lang} code turns itself into an interactive shell ${v.how}` });
    }
    if (/\bsudo\s+(?:-\S+\s+)*-u\s*#-?(?:1|4294967295)\b/.test(ctx.input)) hits.push({ span: { start: 0, end: ctx.input.length }, severity: 'critical', technique: 'T1548.003', explanation: 'asks sudo for user id -1, which older sudo versions turn into root (CVE-2019-14287)' });
    return hits;
  },
  cases: {
    positive: [
      ['bash', 'sudo taskset 1 /bin/sh'],
      ['bash', "sudo tar -cf /dev/null /dev/null --checkpoint=1 --checkpoint-action=exec=/bin/sh"],
      ['bash', "sudo apt-get update -o APT::Update::Pre-Invoke::=/bin/sh"],
      ['bash', "python3 -c 'import pty; pty.spawn(\"/bin/bash\")'"],
      ['bash', "./find . -exec /bin/sh -p \\; -quit"],
      ['bash', "sudo perl -e 'exec \"/bin/sh\";'"],
      ['bash', 'sudo -u#-1 /bin/bash'],
    ],
    negative: [['bash', "find . -name '*.sh' -exec sh -c 'shellcheck \"$1\"' _ {} \\;"], ['bash', 'sudo bash -c "apt-get update"'], ['bash', 'docker exec -it web sh'], ['bash', 'kubectl exec -it pod -- bash'], ['bash', 'sudo -i'], ['bash', 'make -j4']],
  },
});
