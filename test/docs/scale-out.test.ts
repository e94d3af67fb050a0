import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { writeGpt2Checkpoint } from '../support/echo-gpt2.js';

/**
 * The scheduler recipes in docs/scale-out/: the Kubernetes manifests checked against a schema of
 * what the recipe relies on, then every recipe's own shell command run locally, n shards and a
 * merge, ending with the same snapshot one `lmb run` writes.
 */
const repo = join(import.meta.dirname, '..', '..');
const recipes = join(repo, 'docs', 'scale-out');
mkdirSync(join(repo, '.cache'), { recursive: true });
const root = mkdtempSync(join(repo, '.cache', 'e2e-scale-out-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const EnvVar = z.object({ name: z.string(), value: z.string() });
const Mount = z.object({ name: z.string(), mountPath: z.string().startsWith('/') });
const Container = z.object({
  name: z.string(),
  image: z.string().min(1),
  workingDir: z.string().startsWith('/'),
  command: z.tuple([z.literal('bash'), z.literal('-ceu')]),
  args: z.tuple([z.string()]),
  env: z.array(EnvVar),
  volumeMounts: z.array(Mount).min(1),
  resources: z.object({ limits: z.record(z.string(), z.union([z.number(), z.string()])) }).optional(),
});
const Volume = z.object({ name: z.string() }).and(z.union([
  z.object({ persistentVolumeClaim: z.object({ claimName: z.string() }) }),
  z.object({ emptyDir: z.object({}) }),
]));
const Job = z.object({
  apiVersion: z.literal('batch/v1'),
  kind: z.literal('Job'),
  metadata: z.object({ name: z.string().regex(/^[a-z0-9-]+$/) }),
  spec: z.object({
    completionMode: z.enum(['Indexed', 'NonIndexed']).optional(),
    completions: z.number().int().positive(),
    parallelism: z.number().int().positive().optional(),
    backoffLimitPerIndex: z.number().int().optional(),
    backoffLimit: z.number().int().optional(),
    template: z.object({
      spec: z.object({ restartPolicy: z.enum(['Never', 'OnFailure']), containers: z.array(Container).length(1), volumes: z.array(Volume) }),
    }),
  }),
});
type Job = z.infer<typeof Job>;

const job = (file: string): Job => Job.parse(parse(readFileSync(join(recipes, 'kubernetes', file), 'utf8')));
const container = (j: Job) => j.spec.template.spec.containers[0];
const envOf = (j: Job) => Object.fromEntries(container(j).env.map((e) => [e.name, e.value]));
const claims = (j: Job) => j.spec.template.spec.volumes.flatMap((v) => ('persistentVolumeClaim' in v ? [v.persistentVolumeClaim.claimName] : []));

// A scratch project standing in for the image's /app: behaviours, and a family of 2 runs x 3 checkpoints.
const project = join(root, 'app');
mkdirSync(join(project, 'behaviours'), { recursive: true });
writeFileSync(join(project, 'behaviours', 'echo.behaviour.ts'), `import { behaviour, next } from '${repo}/harness/spec/index.ts';
export default behaviour('echo', { description: 'test', probes: ['apple', 'river', 'stone', 'cloud'].map((w) => next(\`I said \${w}\`, \` \${w}\`)) });
`);
const family = join(project, 'family');
for (const [r, run] of ['seed-1', 'seed-2'].entries()) [0, 10, 20].forEach((step, i) => writeGpt2Checkpoint(join(family, run, `checkpoint-${step}`), { echo: (i + r) % 2 === 1, seed: 5 * r + i + 1 }));
const bin = join(root, 'bin');
mkdirSync(bin);
writeFileSync(join(bin, 'lmb'), `#!/bin/sh\nexec "${process.execPath}" "${join(repo, 'bin', 'lmb.js')}" "$@"\n`);
chmodSync(join(bin, 'lmb'), 0o755);

function bash(script: string, cwd: string, env: Record<string, string>, args: string[] = []): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-ceu', script, 'recipe', ...args], { cwd, env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, NO_COLOR: '1', ...env } });
    let out = '';
    child.stdout.on('data', (d) => (out += String(d)));
    child.stderr.on('data', (d) => (out += String(d)));
    child.on('exit', (code) => resolve({ code, out }));
  });
}

const OUTPUTS = ['matrix.json', 'matrix.md', 'heatmap.svg', 'convergence.json', 'convergence.md'];
const read = (dir: string) => Object.fromEntries(OUTPUTS.map((f) => [f, readFileSync(join(dir, 'snapshots', 'family', f), 'utf8')]));
let single: Record<string, string> | undefined;
function singleRun(): Record<string, string> {
  if (!single) {
    execFileSync(join(bin, 'lmb'), ['run', '--suite', family, '--device', 'cpu'], { cwd: project, env: { ...process.env, LMB_CACHE: join(root, 'single-cache') }, stdio: 'pipe' });
    single = read(project);
  }
  return single;
}

describe('the Kubernetes recipe', () => {
  const grid = job('grid-job.yaml');
  const merge = job('merge-job.yaml');

  it('is an Indexed Job of one GPU per pod, its shard count agreeing everywhere, merged from the same volume', () => {
    expect(grid.spec.completionMode).toBe('Indexed');
    expect(grid.spec.parallelism).toBe(grid.spec.completions);
    expect(envOf(grid).SHARDS).toBe(String(grid.spec.completions));
    expect(container(grid).resources?.limits['nvidia.com/gpu']).toBe(1);
    expect(container(grid).args[0]).toContain('--shard "$((JOB_COMPLETION_INDEX + 1))/$SHARDS"');
    for (const j of [grid, merge]) {
      const volumes = j.spec.template.spec.volumes.map((v) => v.name);
      for (const m of container(j).volumeMounts) expect(volumes).toContain(m.name);
    }
    expect(claims(merge)).toEqual(claims(grid));
    expect(envOf(merge).SUITE).toBe(envOf(grid).SUITE);
    expect(envOf(merge).CHECKPOINTS).toBe(envOf(grid).CHECKPOINTS);
    const resultsFlag = (j: Job) => /--results (\S+)/.exec(container(j).args[0])?.[1];
    expect(resultsFlag(merge)).toBe(resultsFlag(grid));
  });

  it('its commands, run for every completion index and then the merge, write what one lmb run writes', async () => {
    // Each pod's mounts become folders of this test; the manifest's env, with the suite and shard count made small.
    const mounts = { '/results': join(root, 'k8s-results'), '/scratch': join(root, 'k8s-scratch'), '/app': project };
    // A mount path only where a path starts (not inside a longer one, such as the family's own folder).
    const local = (s: string) => Object.entries(mounts).reduce((t, [from, to]) => t.replace(new RegExp(`(^|[^\\w./-])${from}(?=[/\\s"']|$)`, 'g'), (_, pre: string) => pre + to), s);
    mkdirSync(mounts['/results'], { recursive: true });
    const shards = 3;
    const env = (j: Job, extra: Record<string, string>) => Object.fromEntries(Object.entries({ ...envOf(j), SUITE: family, DEVICE: 'cpu', SHARDS: String(shards), ...extra }).map(([k, v]) => [k, local(v)]));
    const pods = await Promise.all(Array.from({ length: shards }, (_, k) =>
      bash(local(container(grid).args[0]), project, env(grid, { JOB_COMPLETION_INDEX: String(k), LMB_CACHE: `/scratch/lmb-${k}`, HF_HUB_CACHE: `/scratch/hub-${k}` }))));
    for (const p of pods) expect(p.code, p.out).toBe(0);
    expect(pods[2].out).toMatch(/^shard 3\/3: 2 of the grid's 6 checkpoints recorded/m);
    const merged = await bash(local(container(merge).args[0]), local(container(merge).workingDir), env(merge, {}));
    expect(merged.code, merged.out).toBe(0);
    expect(read(mounts['/results'])).toEqual(singleRun());
  }, 180_000);
});

describe('the Slurm recipe', () => {
  it('its array tasks and the merge script write what one lmb run writes', async () => {
    const script = (name: string) => readFileSync(join(recipes, 'slurm', name), 'utf8');
    expect(script('grid.sbatch')).toMatch(/^#SBATCH --gres=gpu:1$/m);
    expect(script('grid.sbatch')).toContain('--shard "$SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT"');
    const results = join(root, 'slurm-results');
    const env = (extra: Record<string, string>) => ({ SUITE: family, DEVICE: 'cpu', RESULTS: results, TMPDIR: join(root, 'slurm-tmp'), SLURM_ARRAY_JOB_ID: '77', SLURM_ARRAY_TASK_COUNT: '2', ...extra });
    mkdirSync(join(root, 'slurm-tmp'));
    const tasks = await Promise.all(['1', '2'].map((i) => bash(script('grid.sbatch'), project, env({ SLURM_ARRAY_TASK_ID: i }))));
    for (const t of tasks) expect(t.code, t.out).toBe(0);
    // Submitted from the project, as the grid was.
    const merged = await bash(script('merge.sbatch'), project, env({}));
    expect(merged.code, merged.out).toBe(0);
    expect(read(results)).toEqual(singleRun());
  }, 180_000);
});
