import { Inject, Injectable } from '@nestjs/common';
import {
  DISCARDABLE_DLQ_STATUSES,
  type DlqDiscardResponse,
  type DlqGroupsResponse,
  type DlqListResponse,
  type DlqRecord,
  type DlqStatus,
  type Principal,
  type RouteInput,
} from '@dedup/contracts';
import { APP_CONFIG, type AppConfig } from '../../platform/config/app-config';
import { ActionLogService } from '../actions/action-log.service';
import { ControlPlaneError } from '../control-plane-error';
import { DlqRepository } from './dlq.repository';

export class DlqRecordNotFoundError extends ControlPlaneError {
  constructor(message: string) {
    super('not_found', message);
  }
}

/** DLQ triage for the live pipeline (docs/dlq.md). */
@Injectable()
export class DlqService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(DlqRepository) private readonly repository: DlqRepository,
    @Inject(ActionLogService) private readonly actions: ActionLogService,
  ) {}

  private get pipeline(): string {
    return this.config.pipeline.name;
  }

  async groups(status: DlqStatus): Promise<DlqGroupsResponse> {
    const [totals, groups] = await Promise.all([
      this.repository.totals(this.pipeline, status),
      this.repository.groups(this.pipeline, status),
    ]);
    return {
      status,
      total: totals.total,
      oldestFailureAt: totals.oldest?.toISOString() ?? null,
      groups,
    };
  }

  list(query: RouteInput<'dlq.list'>['query']): Promise<DlqListResponse> {
    const { cursor, limit, ...filter } = query;
    return this.repository.list(this.pipeline, filter, cursor, limit);
  }

  async get(id: string): Promise<DlqRecord> {
    const record = await this.repository.get(this.pipeline, id);
    if (record === null) throw new DlqRecordNotFoundError(`no DLQ record ${id} in pipeline ${this.pipeline}`);
    return record;
  }

  /** Discards the open or quarantined records of the selection, in one transaction with its action row. */
  async discard(body: RouteInput<'dlq.discard'>['body'], by: Principal): Promise<DlqDiscardResponse> {
    const selection = body.selection;
    const ids = await this.repository.inTransaction(async (m) => {
      const moved = await this.repository.transition(m, this.pipeline, selection, {
        from: DISCARDABLE_DLQ_STATUSES,
        to: 'discarded',
        by: by.id,
        reason: body.reason,
      });
      await this.actions.inTransaction(m, {
        systemAction: 'dlq.discard',
        target: 'ids' in selection ? `dlq/${selection.ids.join(',')}`.slice(0, 200) : 'dlq/filter',
        details: { discarded: moved.length, firstIds: moved.slice(0, 20) },
      });
      return moved;
    });
    this.actions.committed();
    return { discarded: ids.length };
  }
}
