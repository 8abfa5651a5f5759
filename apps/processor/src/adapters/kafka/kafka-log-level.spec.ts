import { logLevel } from 'kafkajs';
import { kafkaLogLevel } from './kafka.adapter';

describe('kafkaLogLevel: kafkajs log lines at our levels', () => {
  it('keeps errors as errors, except connection-level ones, which kafkajs retries', () => {
    expect(kafkaLogLevel(logLevel.ERROR, 'Consumer', 'Crash: something')).toBe('error');
    expect(kafkaLogLevel(logLevel.ERROR, 'Connection', 'Connection error: ECONNREFUSED')).toBe('warn');
    expect(kafkaLogLevel(logLevel.WARN, 'Producer', 'anything else')).toBe('warn');
    expect(kafkaLogLevel(logLevel.INFO, 'Consumer', 'Starting')).toBe('info');
  });

  it("logs kafkajs's bounded-retries warning for idempotent producers at debug", () => {
    expect(
      kafkaLogLevel(
        logLevel.WARN,
        'Producer',
        'Limiting retries for the idempotent producer may invalidate EoS guarantees',
      ),
    ).toBe('debug');
  });
});
