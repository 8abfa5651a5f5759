import {
  BadRequestException,
  Body,
  ConflictException,
  Controller,
  Get,
  Headers,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  Post,
} from '@nestjs/common';
import {
  BACKFILL_ACTIONS,
  createBackfillRequestSchema,
  type BackfillAction,
  type BackfillJob,
  type BackfillListResponse,
} from '@dedup/contracts';
import { z } from 'zod';
import { BackfillRequestError } from './backfill-plan';
import {
  BackfillConflictError,
  BackfillNotFoundError,
  BackfillService,
  type ParsedBackfillRequest,
} from './backfill.service';

/** Who asked (written to the operator action log); the console sends the signed-in operator. */
const ACTOR_HEADER = 'x-dedup-actor';

/**
 * `/api/backfills` (docs/backfills.md). Bad requests get a 400 whose message says what to fix; an
 * unknown job a 404; an action the job's status does not allow a 409.
 */
@Controller('api/backfills')
export class BackfillController {
  constructor(@Inject(BackfillService) private readonly backfills: BackfillService) {}

  @Get()
  async list(): Promise<BackfillListResponse> {
    return { backfills: await this.backfills.list() };
  }

  @Get(':id')
  get(@Param('id') id: string): Promise<BackfillJob> {
    return handle(() => this.backfills.get(id));
  }

  @Post('preview')
  @HttpCode(200)
  preview(@Body() body: unknown): Promise<BackfillJob> {
    return handle(() => this.backfills.preview(parseRequest(body)));
  }

  @Post()
  create(@Body() body: unknown, @Headers(ACTOR_HEADER) actor: string | undefined): Promise<BackfillJob> {
    return handle(() => this.backfills.create(parseRequest(body), parseActor(actor)));
  }

  @Post(':id/:action')
  @HttpCode(200)
  act(
    @Param('id') id: string,
    @Param('action') action: string,
    @Headers(ACTOR_HEADER) actor: string | undefined,
  ): Promise<BackfillJob> {
    if (!(BACKFILL_ACTIONS as readonly string[]).includes(action)) {
      throw new NotFoundException(`unknown backfill action ${action}; one of ${BACKFILL_ACTIONS.join(', ')}`);
    }
    return handle(() => this.backfills.act(id, action as BackfillAction, parseActor(actor)));
  }
}

function parseRequest(body: unknown): ParsedBackfillRequest {
  if (body === undefined || body === null || typeof body !== 'object') {
    throw new BadRequestException('the body must be a JSON object (Content-Type: application/json)');
  }
  const parsed = createBackfillRequestSchema.safeParse(body);
  if (!parsed.success)
    throw new BadRequestException(`invalid backfill request: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

function parseActor(actor: string | undefined): string | null {
  if (actor === undefined || actor.trim() === '') return null;
  if (actor.length > 100) throw new BadRequestException(`${ACTOR_HEADER} must be at most 100 characters`);
  return actor.trim();
}

/** Maps the service's errors to HTTP statuses; anything else is a 500 (and logged by Nest). */
async function handle<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof BackfillRequestError) throw new BadRequestException(error.message);
    if (error instanceof BackfillNotFoundError) throw new NotFoundException(error.message);
    if (error instanceof BackfillConflictError) throw new ConflictException(error.message);
    throw error;
  }
}
