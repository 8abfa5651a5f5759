import { BadRequestException, ServiceUnavailableException, type ArgumentsHost } from '@nestjs/common';
import { JsonLogger } from '../../platform/logging/json-logger';
import { ActionLogService } from '../actions/action-log.service';
import { ApiExceptionFilter } from './api-exception.filter';

// Unit tier: what the filter logs and answers for each kind of error (outside a request: no action row).

interface Caught {
  readonly status: number;
  readonly body: unknown;
  readonly lines: readonly Record<string, unknown>[];
}

async function caught(exception: unknown): Promise<Caught> {
  const lines: Record<string, unknown>[] = [];
  jest.spyOn(JsonLogger.prototype, 'write').mockImplementation((level, msg, fields) => {
    lines.push({ level, msg, ...fields });
  });
  let status = 0;
  let body: unknown;
  const response = {
    headersSent: false,
    setHeader: () => undefined,
    status(code: number) {
      status = code;
      return response;
    },
    json(value: unknown) {
      body = value;
      return response;
    },
  };
  const host = { switchToHttp: () => ({ getResponse: () => response }) } as unknown as ArgumentsHost;
  await new ApiExceptionFilter(
    Object.create(ActionLogService.prototype) as ActionLogService,
    new JsonLogger('debug'),
  ).catch(exception, host);
  return { status, body, lines };
}

describe('ApiExceptionFilter', () => {
  afterEach(() => jest.restoreAllMocks());

  it('logs an unexpected error as an error with its stack, and answers 500 without it', async () => {
    const r = await caught(new Error('boom'));
    expect(r.status).toBe(500);
    expect(JSON.stringify(r.body)).not.toContain('boom');
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]).toMatchObject({ level: 'error', msg: 'request failed' });
    expect(String(r.lines[0]?.['error'])).toMatch(/^Error: boom\n\s+at /);
  });

  it("logs the readiness probe's deliberate 503 as a warning with its checks, not a stack", async () => {
    const checks = { kafka: 'ok', postgres: 'Error: connect ECONNREFUSED', pipeline: 'ok' };
    const r = await caught(new ServiceUnavailableException({ status: 'not_ready', checks }));
    expect(r.status).toBe(503);
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]).toMatchObject({
      level: 'warn',
      status: 503,
      response: { status: 'not_ready', checks },
    });
    expect(r.lines[0]).not.toHaveProperty('error');
  });

  it('logs nothing for a 4xx', async () => {
    const r = await caught(new BadRequestException('bad'));
    expect(r.status).toBe(400);
    expect(r.lines).toHaveLength(0);
  });
});
