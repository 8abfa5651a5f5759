import { kafkajsRequire } from './kafkajs-internals';
import {
  installRequestQueueTimerFix,
  scheduleCheckPendingRequests,
  type RequestQueueState,
} from './kafkajs-request-queue';

function queue(over: Partial<RequestQueueState> = {}): RequestQueueState & { checks: number } {
  const q = {
    throttledUntil: -1,
    pending: [] as unknown[],
    throttleCheckTimeoutId: null as NodeJS.Timeout | null,
    checks: 0,
    checkPendingRequests() {
      q.checks++;
    },
    ...over,
  };
  return q;
}

describe('kafkajs RequestQueue timer fix', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  it('arms no timer when nothing is pending and nothing is throttled (kafkajs: a 1 ms loop)', () => {
    const q = queue();
    scheduleCheckPendingRequests.call(q);
    expect(q.throttleCheckTimeoutId).toBeNull();
    jest.advanceTimersByTime(1_000);
    expect(q.checks).toBe(0);
  });

  it('checks pending requests again in 10 ms when they could not go and no throttle is set', () => {
    const q = queue({ pending: [{}] });
    scheduleCheckPendingRequests.call(q);
    expect(q.throttleCheckTimeoutId).not.toBeNull();
    jest.advanceTimersByTime(9);
    expect(q.checks).toBe(0);
    jest.advanceTimersByTime(1);
    expect(q.checks).toBe(1);
    expect(q.throttleCheckTimeoutId).toBeNull();
  });

  it('checks when the broker throttle ends, pending or not', () => {
    for (const pending of [[], [{}]]) {
      const q = queue({ pending, throttledUntil: Date.now() + 250 });
      scheduleCheckPendingRequests.call(q);
      jest.advanceTimersByTime(249);
      expect(q.checks).toBe(0);
      jest.advanceTimersByTime(1);
      expect(q.checks).toBe(1);
    }
  });

  it('keeps one timer at a time', () => {
    const q = queue({ pending: [{}] });
    scheduleCheckPendingRequests.call(q);
    const first = q.throttleCheckTimeoutId;
    scheduleCheckPendingRequests.call(q);
    expect(q.throttleCheckTimeoutId).toBe(first);
    jest.advanceTimersByTime(10);
    expect(q.checks).toBe(1);
  });

  it('installs on kafkajs RequestQueue, once', () => {
    const RequestQueue = kafkajsRequire('./src/network/requestQueue/index.js') as {
      prototype: Record<string, unknown>;
    };
    installRequestQueueTimerFix();
    installRequestQueueTimerFix();
    expect(RequestQueue.prototype['scheduleCheckPendingRequests']).toBe(scheduleCheckPendingRequests);
  });
});
