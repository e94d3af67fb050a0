/**
 * The demo grid (every behaviour, every checkpoint) run by one process, then by `shards`
 * concurrent `lmb run --shard i/n` processes of `cores / shards` threads each plus `lmb merge`,
 * each from an empty cache, in scratch projects (the repo's snapshots are left alone). Prints
 * {single, sharded, merge} seconds as JSON, and whether the merged snapshot equals the single run's.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';

const shards = Number(process.argv[2] ?? 2);
const repo = join(import.meta.dirname, '..');
const lmb = join(repo, 'bin', 'lmb.js');
const scratch = mkdtempSync(join(tmpdir(), 'lmb-bench-shards-'));

function run(args: string[], cwd: string, cache: string): Promise<number> {
  const start = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [lmb, ...args], { cwd, env: { ...process.env, LMB_CACHE: join(scratch, cache) }, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += String(d)));
    child.on('exit', (code) => (code === 0 ? resolve((performance.now() - start) / 1000) : reject(new Error(`lmb ${args.join(' ')}: ${err.slice(-500)}`))));
  });
}

function project(name: string): string {
  const dir = join(scratch, name);
  mkdirSync(dir);
  symlinkSync(join(repo, 'behaviours'), join(dir, 'behaviours'));
  return dir;
}
const snapshot = (dir: string) => ['matrix.json', 'convergence.json'].map((f) => readFileSync(join(dir, 'snapshots', 'demo', f), 'utf8')).join('\n');

const threads = String(Math.max(1, Math.floor(cpus().length / shards)));
const common = ['--suite', 'demo', '--device', 'cpu'];
try {
  const [one, many] = [project('single'), project('sharded')];
  const single = await run(['run', ...common, '--results', join(scratch, 'single-grid')], one, 'single');
  const shardStart = performance.now();
  await Promise.all(Array.from({ length: shards }, (_, i) =>
    run(['run', ...common, '--threads', threads, '--shard', `${i + 1}/${shards}`, '--results', join(scratch, 'grid')], many, `shard-${i}`)));
  const sharded = (performance.now() - shardStart) / 1000;
  const merge = await run(['merge', '--suite', 'demo', '--results', join(scratch, 'grid')], many, 'merge');
  const same = snapshot(one) === snapshot(many);
  console.log(JSON.stringify({ shards, threads: Number(threads), single, sharded, merge, same }));
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
