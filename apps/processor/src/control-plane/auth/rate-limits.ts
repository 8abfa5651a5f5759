import { Inject, Injectable } from '@nestjs/common';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { APP_CONFIG, type AppConfig } from '../../platform/config/app-config';
import { MetricsService } from '../../platform/metrics/metrics.service';
import { RateLimitedException } from '../api/api-errors';

const WINDOW_SECONDS = 60;

/**
 * Rate limits of the logged (mutating) calls, per processor instance: per client address before the
 * credential is checked (so guessing at credentials is limited too), and per identity after it.
 * A refusal is a 429 with Retry-After, counted in dedup_http_refusals_total.
 */
@Injectable()
export class RateLimits {
  private readonly perAddress: RateLimiterMemory;
  private readonly perIdentity: RateLimiterMemory;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(MetricsService) private readonly metrics: MetricsService,
  ) {
    const limits = config.auth.rateLimits;
    this.perAddress = new RateLimiterMemory({ points: limits.perAddressPerMinute, duration: WINDOW_SECONDS });
    this.perIdentity = new RateLimiterMemory({
      points: limits.perIdentityPerMinute,
      duration: WINDOW_SECONDS,
    });
  }

  async address(address: string | null): Promise<void> {
    await this.consume(this.perAddress, address ?? 'unknown', 'address');
  }

  async identity(id: string): Promise<void> {
    await this.consume(this.perIdentity, id, 'identity');
  }

  private async consume(
    limiter: RateLimiterMemory,
    key: string,
    scope: 'address' | 'identity',
  ): Promise<void> {
    try {
      await limiter.consume(key);
    } catch (refusal) {
      if (!(refusal instanceof RateLimiterRes)) throw refusal;
      this.metrics.countRefusal(scope === 'address' ? 'rate_limited_address' : 'rate_limited_identity');
      const retryAfter = Math.max(1, Math.ceil(refusal.msBeforeNext / 1000));
      throw new RateLimitedException(
        `too many changes from this ${scope}: at most ${limiter.points} a minute; retry in ${retryAfter} s`,
        retryAfter,
      );
    }
  }
}
