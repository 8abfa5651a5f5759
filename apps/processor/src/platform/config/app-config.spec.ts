import { ConfigError, loadConfig } from './app-config';

const semantics = (approximate: unknown) =>
  JSON.stringify({ window: { kind: 'sliding', sizeMs: 3_600_000 }, approximate });

describe('loadConfig: state cache and approximate mode', () => {
  it('turns the state cache on by default and approximate mode off', () => {
    const config = loadConfig({});
    expect(config.state.cacheSize).toBe(50_000);
    expect(config.approximate).toBeNull();
    expect(loadConfig({ STATE_CACHE_SIZE: '0' }).state.cacheSize).toBe(0);
  });

  it.each([
    ['-1', 'STATE_CACHE_SIZE: must be 0 (off) or more entries'],
    ['1.5', 'STATE_CACHE_SIZE: must be a whole number of entries'],
    ['lots', 'STATE_CACHE_SIZE: '],
    ['20000000', 'STATE_CACHE_SIZE: must be at most 10000000 entries'],
  ])('rejects STATE_CACHE_SIZE=%s', (value, message) => {
    expect(() => loadConfig({ STATE_CACHE_SIZE: value })).toThrow(ConfigError);
    expect(() => loadConfig({ STATE_CACHE_SIZE: value })).toThrow(message);
  });

  it('sizes the Bloom filters at boot', () => {
    const config = loadConfig({
      PIPELINE_SEMANTICS: semantics({ falsePositiveRate: 0.001, expectedKeysPerSecond: 2_000 }),
    });
    expect(config.approximate).toMatchObject({
      generationMs: 900_000,
      scopeMs: 3_600_000,
      targetFalsePositiveRate: 0.001,
      keysPerGeneration: 1_800_000,
    });
    // ~18 bits per key at 0.001 / 6 per generation: a few MiB per generation.
    expect(config.approximate?.bytesPerGeneration).toBeLessThan(5 * 2 ** 20);
    expect(Object.isFrozen(config.approximate)).toBe(true);
  });

  it('says which setting is wrong when approximate mode is misconfigured', () => {
    expect(() => loadConfig({ PIPELINE_SEMANTICS: semantics({ falsePositiveRate: 0.001 }) })).toThrow(
      'PIPELINE_SEMANTICS approximate.expectedKeysPerSecond: expectedKeysPerSecond is required',
    );
    expect(() =>
      loadConfig({ PIPELINE_SEMANTICS: semantics({ falsePositiveRate: 0.5, expectedKeysPerSecond: 10 }) }),
    ).toThrow('approximate.falsePositiveRate: falsePositiveRate must be at most 0.1');
    expect(() =>
      loadConfig({
        PIPELINE_SEMANTICS: semantics({ falsePositiveRate: 0.000001, expectedKeysPerSecond: 10_000_000 }),
      }),
    ).toThrow(
      /PIPELINE_SEMANTICS approximate: a Bloom filter for 9000000000 keys .* needs more than 4194304 blocks \(256 MiB\) per generation; lower expectedKeysPerSecond/,
    );
  });
});
