/**
 * The demo grid (every behaviour, every checkpoint) from an empty cache, then again after a
 * check is edited in place (the e-mail predicate made stricter, its name kept): the second run
 * loads no model and only judges the stored answers again. In a scratch project with a copy of
 * the behaviours, so the repo's files are left alone. Prints {cold, rejudge, computed} as JSON.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const repo = join(import.meta.dirname, '..');
// Inside the repo (under the ignored .cache/), so the copied specs resolve the repo's packages.
mkdirSync(join(repo, '.cache'), { recursive: true });
const scratch = mkdtempSync(join(repo, '.cache', 'bench-rejudge-'));

function run(): { seconds: number; computed: number } {
  const start = performance.now();
  const r = spawnSync(process.execPath, [join(repo, 'bin', 'lmb.js'), 'run', '--suite', 'demo', '--device', 'cpu'],
    { cwd: scratch, env: { ...process.env, LMB_CACHE: join(scratch, 'cache') }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`lmb run failed: ${r.stderr.slice(-500)}`);
  const computed = [...r.stderr.matchAll(/: (\d+) computed/g)].reduce((n, m) => n + Number(m[1]), 0);
  return { seconds: (performance.now() - start) / 1000, computed };
}

try {
  cpSync(join(repo, 'behaviours'), join(scratch, 'behaviours'), { recursive: true });
  // The specs import ../harness/spec: the copy finds the repo's, as ES modules.
  symlinkSync(join(repo, 'harness'), join(scratch, 'harness'));
  writeFileSync(join(scratch, 'package.json'), '{ "type": "module" }\n');
  const cold = run();
  const spec = join(scratch, 'behaviours', 'emails.behaviour.ts');
  const text = readFileSync(spec, 'utf8');
  const edited = text.replace('(text) => /^[\\w.+-]*@', '(text) => text.length > 12 && /^[\\w.+-]*@');
  if (edited === text) throw new Error('the e-mail check was not found to edit');
  writeFileSync(spec, edited);
  const rejudge = run();
  console.log(JSON.stringify({ cold: cold.seconds, coldComputed: cold.computed, rejudge: rejudge.seconds, computed: rejudge.computed }));
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
