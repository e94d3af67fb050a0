import { describe, expect, it } from 'vitest';
import { bf16ToF32, f16ToF32, f32ToBf16Bits, f32ToF16Bits } from '../../../harness/model/weights/convert.js';

const allBits = Uint16Array.from({ length: 65536 }, (_, i) => i);

describe('f16ToF32', () => {
  const out = new Float32Array(65536);
  f16ToF32(allBits, out);

  it('decodes known half values exactly', () => {
    expect(out[0x3c00]).toBe(1);
    expect(out[0xc000]).toBe(-2);
    expect(out[0x7bff]).toBe(65504);
    expect(out[0x0001]).toBe(2 ** -24);
    expect(out[0x03ff]).toBe(1023 * 2 ** -24);
    expect(out[0x3555]).toBe(0.333251953125);
    expect(out[0x7c00]).toBe(Infinity);
    expect(out[0xfc00]).toBe(-Infinity);
    expect(Object.is(out[0x8000], -0)).toBe(true);
    expect(out[0x7e00]).toBeNaN();
  });

  it('round-trips every non-NaN half through f32ToF16Bits', () => {
    for (let h = 0; h < 65536; h++) {
      if (Number.isNaN(out[h])) continue;
      if (f32ToF16Bits(out[h]) !== h) throw new Error(`half 0x${h.toString(16)} -> ${out[h]} -> 0x${f32ToF16Bits(out[h]).toString(16)}`);
    }
  });

  it('writes at an offset into the destination', () => {
    const dst = new Float32Array(4);
    f16ToF32(Uint16Array.of(0x3c00, 0x4000), dst, 2);
    expect([...dst]).toEqual([0, 0, 1, 2]);
  });
});

describe('f32ToF16Bits', () => {
  it('rounds to nearest, ties to even', () => {
    expect(f32ToF16Bits(1 + 2 ** -11)).toBe(0x3c00); // tie, even stays
    expect(f32ToF16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie, odd rounds up
    expect(f32ToF16Bits(1 + 2 ** -11 + 2 ** -20)).toBe(0x3c01);
    expect(f32ToF16Bits(65519)).toBe(0x7bff);
    expect(f32ToF16Bits(65520)).toBe(0x7c00); // overflows to infinity
    expect(f32ToF16Bits(2 ** -25)).toBe(0); // tie between 0 and the smallest subnormal
    expect(f32ToF16Bits(2 ** -25 * 1.5)).toBe(1);
    expect(f32ToF16Bits(-1e-10)).toBe(0x8000);
    expect(f32ToF16Bits(NaN) & 0x7fff).toBeGreaterThan(0x7c00);
  });
});

describe('bf16', () => {
  it('decodes as the top half of a float32', () => {
    const out = new Float32Array(3);
    bf16ToF32(Uint16Array.of(0x3f80, 0xc049, 0x7f80), out);
    expect([...out]).toEqual([1, -3.140625, Infinity]);
  });

  it('round-trips every non-NaN bfloat16 and rounds ties to even', () => {
    const out = new Float32Array(65536);
    bf16ToF32(allBits, out);
    for (let h = 0; h < 65536; h++) {
      if (!Number.isNaN(out[h]) && f32ToBf16Bits(out[h]) !== h) throw new Error(`bf16 0x${h.toString(16)}`);
    }
    expect(f32ToBf16Bits(1 + 2 ** -8)).toBe(0x3f80);
    expect(f32ToBf16Bits(1 + 3 * 2 ** -8)).toBe(0x3f82);
    expect(f32ToBf16Bits(NaN) & 0x7fff).toBeGreaterThan(0x7f80);
  });
});
