/**
 * mulberry32: a tiny seeded PRNG for reproducible random tests.
 * @param seed any 32-bit integer
 * @returns a function giving floats in [0, 1), the same sequence for the same seed
 */
export function mulberry32(seed: number): () => number {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
