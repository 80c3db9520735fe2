// Runs before `npm start`: compiles TypeScript when dist/ is missing or older than any source file.
const fs = require('fs');
const path = require('path');
const { execSync } = require('child_process');

const root = path.resolve(__dirname, '..');
const entry = path.join(root, 'dist', 'app', 'main.js');
const sourceDirs = ['app', 'bot', 'handlers', 'usecases', 'cards', 'domain', 'store', 'schedulers', 'dashboard', 'sandbox'];

function newestMtime(dir) {
  let newest = 0;
  if (!fs.existsSync(dir)) return newest;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else if (e.name.endsWith('.ts')) newest = Math.max(newest, fs.statSync(p).mtimeMs);
  }
  return newest;
}

const built = fs.existsSync(entry) ? fs.statSync(entry).mtimeMs : 0;
const src = Math.max(...sourceDirs.map((d) => newestMtime(path.join(root, d))));
if (built < src) {
  console.log('[build] compiling TypeScript…');
  execSync('npx tsc -p tsconfig.build.json', { cwd: root, stdio: 'inherit' });
  fs.utimesSync(entry, new Date(), new Date());
}
