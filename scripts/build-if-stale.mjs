// `npm start` builds only when a source is newer than what was built last: a second start takes
// a second, not the 10–15 s of a full build. A missing output always builds.
import { execSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const OUTPUTS = ['dist/src/cli/main.js', 'web/dist/index.html'];
const SOURCES = [
  'src',
  'bench',
  'web/src',
  'web/index.html',
  'web/vite.config.ts',
  'web/tsconfig.json',
  'tsconfig.json',
  'package.json',
  'package-lock.json',
];

/** The newest modification time under a file or folder, in ms. */
function newest(path) {
  if (!existsSync(path)) return 0;
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return readdirSync(path).reduce((max, name) => Math.max(max, newest(join(path, name))), s.mtimeMs);
}

const built = Math.min(...OUTPUTS.map((p) => (existsSync(join(root, p)) ? statSync(join(root, p)).mtimeMs : 0)));
const changed = Math.max(...SOURCES.map((p) => newest(join(root, p))));
if (changed > built) {
  process.stdout.write('Building Switchboard (sources changed since the last build)…\n');
  execSync('npm run build', { cwd: root, stdio: 'inherit' });
}
