// Compiles src/ into dist/ with tsc (incremental: tsconfig.build.json keeps its state in
// dist/). With --if-changed (what `npm start`, `seed`, `create-admin` and `migrate` use) it
// does nothing when no file under src/, no tsconfig*.json and not package-lock.json is newer
// than the last build, so a start with nothing changed spends no time in tsc.
const { execFileSync } = require('node:child_process');
const { existsSync, readdirSync, statSync, utimesSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const stamp = join(root, 'dist', '.build-stamp');

/** The newest modification time in a file or folder (a folder changes when a file is removed). */
function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((m, entry) => Math.max(m, newest(join(path, entry))), stat.mtimeMs);
}

const inputs = ['src', 'package-lock.json', ...readdirSync(root).filter((f) => /^tsconfig.*\.json$/.test(f))]
  .map((f) => join(root, f))
  .filter((f) => existsSync(f));
const builtAt = existsSync(stamp) ? statSync(stamp).mtimeMs : -Infinity;
if (process.argv.includes('--if-changed') && Math.max(...inputs.map(newest)) < builtAt) process.exit(0);

// The stamp gets the time the build started: a file saved during the build is newer than it.
const started = new Date();
console.error('compiling src/ into dist/ (tsc)');
try {
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
    cwd: root,
    stdio: 'inherit',
  });
} catch {
  process.exit(1); // tsc has printed the errors
}
writeFileSync(stamp, `${started.toISOString()}\n`);
utimesSync(stamp, started, started);
