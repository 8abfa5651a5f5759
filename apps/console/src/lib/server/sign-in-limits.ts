import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { config } from './config';
import { consoleMetrics } from './console-metrics';

/*
 * The console's rate limits, in memory, per console instance: sign-in attempts per client address,
 * failed sign-ins per user name (guessing one person's password from many addresses), and mutating
 * calls per signed-in person. The processor limits its own routes too (ADR 0008). Kept on
 * globalThis: Next bundles the proxy, route handlers and server actions apart, and they must count
 * together. Server-only.
 */

export interface Limited {
  /** Seconds until another attempt is allowed. */
  readonly retryAfterSeconds: number;
  readonly message: string;
}

class ConsoleLimits {
  private readonly perAddress: RateLimiterMemory;
  private readonly failuresPerUser: RateLimiterMemory;
  private readonly mutationsPerUser: RateLimiterMemory;

  constructor() {
    const limits = config().limits;
    this.perAddress = new RateLimiterMemory({ points: limits.signInPerAddressPerMinute, duration: 60 });
    this.failuresPerUser = new RateLimiterMemory({
      points: limits.signInFailuresPerUserPer15Minutes,
      duration: 15 * 60,
    });
    this.mutationsPerUser = new RateLimiterMemory({ points: limits.mutationsPerUserPerMinute, duration: 60 });
  }

  /** Counts a sign-in attempt from `address`; refuses it when the address is over its limit. */
  async attempt(address: string): Promise<Limited | null> {
    const byAddress = await consume(this.perAddress, address);
    if (byAddress === null) return null;
    consoleMetrics().refused('rate_limited_signin_address');
    return limited(
      byAddress,
      `too many sign-in attempts from this address; retry in ${seconds(byAddress)} s`,
    );
  }

  /** Refuses a user name with too many failed sign-ins lately (from any address). */
  async userLocked(username: string): Promise<Limited | null> {
    const failures = await this.failuresPerUser.get(username);
    if (failures === null || failures.remainingPoints > 0) return null;
    consoleMetrics().refused('rate_limited_signin_user');
    return limited(failures, `too many failed sign-ins for this user; retry in ${seconds(failures)} s`);
  }

  async failed(username: string): Promise<void> {
    await consume(this.failuresPerUser, username);
  }

  async mutation(uid: string): Promise<Limited | null> {
    const refused = await consume(this.mutationsPerUser, uid);
    if (refused === null) return null;
    consoleMetrics().refused('rate_limited_mutation');
    return limited(refused, `too many changes from you: at most ${this.mutationsPerUser.points} a minute`);
  }
}

async function consume(limiter: RateLimiterMemory, key: string): Promise<RateLimiterRes | null> {
  try {
    await limiter.consume(key);
    return null;
  } catch (refusal) {
    if (refusal instanceof RateLimiterRes) return refusal;
    throw refusal;
  }
}

const seconds = (res: RateLimiterRes) => Math.max(1, Math.ceil(res.msBeforeNext / 1000));

function limited(res: RateLimiterRes, message: string): Limited {
  const retryAfterSeconds = seconds(res);
  console.warn(JSON.stringify({ level: 'warn', msg: 'console rate limit', reason: message }));
  return { retryAfterSeconds, message };
}

const KEY = Symbol.for('dedup.console.limits');

export function signInLimits(): ConsoleLimits {
  const holder = globalThis as { [KEY]?: ConsoleLimits };
  holder[KEY] ??= new ConsoleLimits();
  return holder[KEY];
}
