import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { LmbError } from '../../harness/errors.js';
import { GraphModel } from '../../harness/model/graph-model.js';
import { evaluateSuite, type Progress } from '../../harness/run/runner.js';
import { behaviour } from '../../harness/spec/behaviour.js';
import { choice, next } from '../../harness/spec/probe.js';
import { selectGrid } from '../../harness/suite/select.js';
import { randomTinyGpt2, writeTinyGpt2 } from '../support/tiny-gpt2.js';
import { tinySuite } from '../support/tiny-suite.js';

/**
 * config.json against the weights beside it: fields that disagree with the tensor shapes, fields
 * of the wrong type, configs that are not JSON or not objects. Each is a one-line error naming
 * the field and the file, raised before the model is built.
 */
const root = mkdtempSync(join(tmpdir(), 'lmb-hostile-config-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const RUNS = 1000;
const SHAPE = { vocab_size: 17, n_positions: 8, n_embd: 8, n_layer: 2, n_head: 2 };
const tiny = randomTinyGpt2(3, SHAPE as never);
// safetensors, which (unlike CRFM's pytorch_model.bin) holds no lm_head.weight.
const dir = writeTinyGpt2(join(root, 'tiny'), tiny, 'safetensors', 'F32');
const configPath = join(dir, 'config.json');
const weightsPath = join(dir, 'model.safetensors');

interface Hostile { kind: string; text: string | Buffer; field?: string; codes: string[] }
const withField = (kind: string, field: string, value: unknown, codes: string[]): Hostile =>
  ({ kind, field, codes, text: JSON.stringify({ ...tiny.config, [field]: value }) });

const count = fc.oneof(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }));
const wrongType = fc.constantFrom<unknown>('8', true, [], {}, 2.5, 0, -3, 1e300, 'gelu');
const FIELDS = ['vocab_size', 'n_positions', 'n_embd', 'n_layer', 'n_head', 'n_inner', 'activation_function', 'layer_norm_epsilon',
  'scale_attn_weights', 'scale_attn_by_inverse_layer_idx', 'reorder_and_upcast_attn', 'tie_word_embeddings'];
/** Values each field's type allows; a wrong type is anything else. */
function allowed(field: string, v: unknown): boolean {
  if (field === 'activation_function') return v === 'gelu';
  if (field === 'layer_norm_epsilon') return v === 2.5 || v === 1e300;
  return field.startsWith('scale_') || field === 'reorder_and_upcast_attn' || field === 'tie_word_embeddings' ? v === true : false;
}

const hostile: fc.Arbitrary<Hostile> = fc.oneof(
  // A size the tensors do not have (any n_embd but 8; n_inner null means 4 * n_embd = 32).
  fc.tuple(fc.constantFrom('vocab_size', 'n_positions', 'n_embd', 'n_layer', 'n_inner'), count)
    .filter(([f, v]) => v !== ((SHAPE as Record<string, number>)[f] ?? 32))
    .map(([f, v]) => withField('size', f, v, ['CONFIG_MISMATCH', 'CONFIG_INVALID'])),
  // Heads that do not divide n_embd (1, 2, 4 and 8 divide it, and no tensor shape shows which was trained).
  count.filter((h) => 8 % h !== 0).map((h) => withField('n_head', 'n_head', h, ['CONFIG_INVALID'])),
  fc.tuple(fc.constantFrom(...FIELDS), wrongType).filter(([f, v]) => !allowed(f, v)).map(([f, v]) => withField('type', f, v, ['CONFIG_INVALID'])),
  fc.constant(withField('untied', 'tie_word_embeddings', false, ['CONFIG_MISMATCH'])),
  fc.oneof(fc.string(), fc.constantFrom<unknown>('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'GPT2', 5, null, [], {}))
    .filter((t) => t !== 'gpt2' && t !== 'llama2c')
    .map((t) => withField('model_type', 'model_type', t, ['ARCHITECTURE_UNKNOWN'])),
  fc.oneof(fc.string(), fc.uint8Array().map((b) => Buffer.from(b)))
    .filter((t) => { try { JSON.parse(t.toString()); return false; } catch { return true; } })
    .map((text) => ({ kind: 'not JSON', text, codes: ['CONFIG_INVALID'] })),
  fc.constantFrom('[]', 'null', '5', '"gpt2"', '[{"model_type": "gpt2"}]', 'true').map((text) => ({ kind: 'not an object', text, codes: ['CONFIG_INVALID'] })),
);

async function loadError(): Promise<LmbError> {
  try {
    const model = await GraphModel.load(dir, { device: 'cpu' });
    await model.dispose();
  } catch (e) {
    if (e instanceof LmbError) return e;
    throw new Error(`not an LmbError: ${String(e)}`);
  }
  throw new Error(`${readFileSync(configPath, 'utf8')} was accepted`);
}

describe('hostile config.json', () => {
  it(`${RUNS} configs that disagree with the weights or are malformed: each a one-line error naming the field and the file`, async () => {
    const tried = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(hostile, async (h) => {
        tried.set(h.kind, (tried.get(h.kind) ?? 0) + 1);
        writeFileSync(configPath, h.text);
        const error = await loadError();
        expect(h.codes).toContain(error.code);
        expect(error.oneLine()).not.toMatch(/[\n\r\0]/);
        expect(error.message).toContain(error.code === 'CONFIG_MISMATCH' ? weightsPath : configPath);
        if (h.field) expect(error.message).toContain(h.field);
      }),
      { seed: 2031, numRuns: RUNS },
    );
    expect([...tried.values()].reduce((a, b) => a + b, 0)).toBe(RUNS);
    expect(tried.size).toBe(7);
  });

  it.each(['__proto__', 'constructor', 'toString'])('model_type %s is an unknown architecture, not a lookup on Object.prototype', async (type) => {
    writeFileSync(configPath, JSON.stringify({ ...tiny.config, model_type: type }));
    expect((await loadError()).oneLine()).toBe(`${configPath} has model_type "${type}", which lm-behaviours cannot build. Supported: gpt2, gpt_neox, llama2c; or export the model to ONNX and pass the .onnx file`);
  });

  it('a huge n_layer fails at the first missing layer, without listing every layer first', async () => {
    writeFileSync(configPath, JSON.stringify({ ...tiny.config, n_layer: Number.MAX_SAFE_INTEGER }));
    const started = Date.now();
    expect((await loadError()).message).toMatch(/has no tensor "h\.2\.ln_1\.weight" although config\.json implies it \(n_layer 9007199254740991, n_embd 8\)/);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('fewer layers than the weights hold is a mismatch, not a silently truncated model', async () => {
    writeFileSync(configPath, JSON.stringify({ ...tiny.config, n_layer: 1 }));
    expect((await loadError()).oneLine()).toMatch(/has a layer h\.1 although config\.json says n_layer 1\. Use the config\.json saved with these weights$/);
  });
});

describe('llama2.c config overrides', () => {
  const stories = join(import.meta.dirname, '..', 'fixtures', 'llama2c-stories260K', 'stories260K.bin');
  it.each([
    [{ n_layers: Number.MAX_SAFE_INTEGER }, /has no tensor "layers\.5\.attention_norm\.weight" although the config implies it \(n_layers 9007199254740991, dim 64\)/],
    [{ n_layers: 2 }, /has a layer 2 although the config says n_layers 2/],
    [{ hidden_dim: 100 }, /"layers\.0\.feed_forward\.w1\.weight" has shape \[172,64\] but the config implies \[100,64\] \(n_layers 5, dim 64, hidden_dim 100\)/],
  ])('%j is a one-line mismatch', async (overrides, message) => {
    await expect(GraphModel.load(stories, { device: 'cpu', configOverrides: overrides })).rejects.toMatchObject({ code: 'CONFIG_MISMATCH', message: expect.stringMatching(message) });
  });
});

describe('a hostile config in the middle of a suite', () => {
  it('fails in one line and leaves the answers stored for earlier checkpoints intact', async () => {
    const suite = tinySuite(root, 'suite', ['seed-a'], [0, 100]);
    const grid = selectGrid(suite, 'all');
    const cacheDir = mkdtempSync(join(root, 'cache-'));
    const answersDir = join(cacheDir, 'answers');
    const words = ['the', 'a', 'cat', 'dog'];
    // 4 next probes: one loglikelihood request each; 4 choice probes of 2 options: 8 more, all distinct.
    const first = behaviour('first', { description: '', probes: words.map((w) => next(`${w} and`, ' the')) });
    const second = behaviour('second', { description: '', probes: words.map((w) => choice(`The ${w}`, [' cat', ' dog'], 0)) });
    await evaluateSuite({ suite, grid, behaviours: [first], cacheDir, model: { device: 'cpu' } });
    const stored = () => Object.fromEntries(readdirSync(answersDir).map((f) => [f, readFileSync(join(answersDir, f), 'utf8')]));
    const answersOf = (text: string) => (JSON.parse(text) as { answers: Record<string, unknown> }).answers;
    const before = stored();
    expect(Object.keys(before)).toHaveLength(2);
    for (const text of Object.values(before)) expect(Object.keys(answersOf(text))).toHaveLength(4);

    const late = join(root, 'suite', 'seed-a', 'checkpoint-100', 'config.json');
    const good = readFileSync(late, 'utf8');
    writeFileSync(late, JSON.stringify({ ...JSON.parse(good), n_layer: 3 }));
    await expect(evaluateSuite({ suite, grid, behaviours: [first, second], cacheDir, model: { device: 'cpu' } }))
      .rejects.toMatchObject({ code: 'CONFIG_MISMATCH', message: expect.stringMatching(/checkpoint-100.*no tensor "h\.2\.ln_1\.weight".*n_layer 3/) });
    const after = stored();
    // The first checkpoint gained the new behaviour's answers; the second's stored answers are untouched, byte for byte.
    expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
    const changed = Object.keys(before).filter((f) => before[f] !== after[f]);
    expect(changed).toHaveLength(1);
    const [grown] = changed;
    expect(Object.keys(answersOf(after[grown]))).toHaveLength(12);
    for (const [k, v] of Object.entries(answersOf(before[grown]))) expect(answersOf(after[grown])[k]).toEqual(v);

    writeFileSync(late, good);
    const events: Progress[] = [];
    await evaluateSuite({ suite, grid, behaviours: [first, second], cacheDir, model: { device: 'cpu' }, onProgress: (p) => events.push(p) });
    expect(events.find((e) => e.type === 'start')).toMatchObject({ probes: 8, requests: 12 });
    // Only checkpoint-100's 8 requests of the new behaviour are computed; everything else is read back.
    expect(events.flatMap((e) => (e.type === 'checkpoint' ? [[e.computed, e.cached]] : []))).toEqual([[0, 12], [8, 4]]);
    const last = stored();
    expect(last[grown]).toBe(after[grown]);
    const other = Object.keys(before).find((f) => f !== grown)!;
    expect(Object.keys(answersOf(last[other]))).toHaveLength(12);
    for (const [k, v] of Object.entries(answersOf(before[other]))) expect(answersOf(last[other])[k]).toEqual(v);
  });
});
