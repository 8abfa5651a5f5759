import type { DecisionRecord } from './decision-record';
import { judgedAgainst } from './decision-record';

const base: DecisionRecord = {
  coords: { topic: 'raw', partition: 0, offset: '1' },
  outcome: 'unique',
  eventId: 'e',
  eventTime: 10_000,
  stateKeys: ['event_id:e'],
  strategy: null,
  first: null,
  errorType: null,
  reason: null,
  watermark: null,
  latenessMs: null,
  traceId: null,
  approximate: false,
};

describe('the watermark a kept record was judged against', () => {
  it('gives unique and duplicate records the watermark and how far behind it they were', () => {
    expect(judgedAgainst(base, 12_500)).toMatchObject({ watermark: 12_500, latenessMs: 2_500 });
    expect(judgedAgainst({ ...base, outcome: 'duplicate' }, 9_000)).toMatchObject({
      watermark: 9_000,
      latenessMs: 0,
    });
  });

  it('leaves late records (the engine judged them), invalid ones and a batch without a watermark alone', () => {
    const late = { ...base, outcome: 'late' as const, watermark: 20_000, latenessMs: 10_000 };
    expect(judgedAgainst(late, 12_500)).toBe(late);
    const invalid = { ...base, outcome: 'invalid' as const, eventTime: null };
    expect(judgedAgainst(invalid, 12_500)).toBe(invalid);
    expect(judgedAgainst(base, null)).toBe(base);
  });
});
