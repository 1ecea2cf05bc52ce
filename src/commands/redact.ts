/**
 * Redacts secret values from command text before it is shown or logged (threats §3.10: secrets
 * in commands are redacted in audit and explanations). Linear regexes only.
 */

const MASK = '[REDACTED]';

const PATTERNS: [RegExp, string][] = [
  // Authorization headers: keep the scheme, drop the credential.
  [/(authorization\s*:\s*(?:bearer|basic|token|digest|apikey)?\s*)([^\s'"\\]{4,})/gi, `$1${MASK}`],
  [/((?:x-api-key|api-key|x-auth-token|private-token|x-goog-api-key)\s*:\s*)([^\s'"\\]{4,})/gi, `$1${MASK}`],
  // NAME=value where the name says secret.
  [/(\b[A-Za-z0-9_]*(?:SECRET|TOKEN|PASSWORD|PASSWD|PASSPHRASE|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIALS?|AUTH)[A-Za-z0-9_]*\s*[=:]\s*['"]?)([^\s'";&|]{3,})/gi, `$1${MASK}`],
  // --password=x, --token x, -p'x' for mysql-style clients.
  [/(--?(?:password|passwd|pass|token|secret|api-key|apikey|access-key|secret-key|client-secret|auth-token)(?:=|\s+)['"]?)([^\s'";&|]{3,})/gi, `$1${MASK}`],
  // Well-known token formats.
  [/\b(sk-(?:proj-|ant-)?[A-Za-z0-9_-]{16,})/g, MASK],
  [/\b(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})/g, MASK],
  [/\b(xox[abposr]-[A-Za-z0-9-]{10,})/g, MASK],
  [/\b((?:AKIA|ASIA)[0-9A-Z]{16})\b/g, MASK],
  [/\b(glpat-[A-Za-z0-9_-]{20,})/g, MASK],
  [/\b(AIza[0-9A-Za-z_-]{35})/g, MASK],
  [/\b(npm_[A-Za-z0-9]{30,})/g, MASK],
  [/\b(eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,})/g, MASK],
  [/(-----BEGIN [A-Z ]*PRIVATE KEY-----)[^-]{0,8192}(-----END)/g, `$1${MASK}$2`],
  // Query parameters named like secrets.
  [/([?&](?:access_token|token|api_key|apikey|key|secret|password|sig|signature|x-amz-signature|x-amz-credential|code)=)([^&#\s'"]{4,})/gi, `$1${MASK}`],
  // user:password@ in URLs, and curl -u user:password.
  [/(\b[a-z][a-z0-9+.-]{1,15}:\/\/[^:@/\s'"]{1,128}:)([^@/\s'"]{1,256})(@)/gi, `$1${MASK}$3`],
  [/((?:^|\s)(?:-u|--user)\s+['"]?[^:\s'"]{1,128}:)([^\s'"]{1,256})/g, `$1${MASK}`],
];

/** Cheap pre-check: text without any of these cannot match a pattern below. */
const HINT = /authoriz|key|token|secret|pass|credential|auth|sk-|gh[pousr]_|github_pat|xox|akia|asia|glpat|aiza|npm_|eyj|begin|@|-u\b|--user/i;

export function redact(text: string): string {
  if (!HINT.test(text)) return text;
  let out = text;
  for (const [re, rep] of PATTERNS) out = out.replace(re, rep);
  return out;
}
