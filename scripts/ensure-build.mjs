// `npm start` and `npm run bench` build first when dist/ is missing or older than src/.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { execSync } from 'node:child_process';

function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}
const built = existsSync('dist/cli/main.js') ? statSync('dist/cli/main.js').mtimeMs : 0;
if (built === 0 || newest('src') > newest('dist')) {
  process.stderr.write('airlock: building (npm run build)…\n');
  execSync('npm run build --silent', { stdio: 'inherit' });
}
