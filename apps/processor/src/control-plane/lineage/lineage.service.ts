import { Inject, Injectable } from '@nestjs/common';
import {
  lineageTarget,
  type LineageOccurrence,
  type LineageResponse,
  type RouteInput,
} from '@dedup/contracts';
import { APP_CONFIG, type AppConfig } from '../../platform/config/app-config';
import { LineageRepository } from './lineage.repository';

const coordinateKey = (o: LineageOccurrence) =>
  `${o.pipeline}\u0000${o.coordinates.topic}\u0000${o.coordinates.partition}\u0000${o.coordinates.offset}`;

/**
 * "Why was this event dropped?" (issue 15): the occurrences of an event in the live pipeline and its
 * backfills. A search by coordinates finds the record there first; when it has an event id, the
 * answer is every occurrence of that id, so the ticket's one record shows its whole story.
 */
@Injectable()
export class LineageService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LineageRepository) private readonly repository: LineageRepository,
  ) {}

  async search(query: RouteInput<'lineage.search'>['query']): Promise<LineageResponse> {
    const pipeline = this.config.pipeline.name;
    const { limit } = query;
    const target = lineageTarget(query);
    if (target.kind === 'event') {
      const page = await this.repository.byEventId(pipeline, target.eventId, limit);
      return {
        query: { eventId: target.eventId, dedupKey: null, coordinates: null, limit },
        eventId: target.eventId,
        ...page,
      };
    }
    if (target.kind === 'dedup-key') {
      // Records share a dedup key without sharing an event id (composite keys, content hashes):
      // the answer names the first one's id.
      const page = await this.repository.byDedupKey(pipeline, target.dedupKey, limit);
      return {
        query: { eventId: null, dedupKey: target.dedupKey, coordinates: null, limit },
        eventId: page.occurrences.find((o) => o.eventId !== null)?.eventId ?? null,
        ...page,
      };
    }
    const { coordinates } = target;
    const echo = { eventId: null, dedupKey: null, coordinates, limit };
    const here = await this.repository.atCoordinates(pipeline, coordinates, limit);
    const eventId = here.occurrences.find((o) => o.eventId !== null)?.eventId ?? null;
    if (eventId === null) return { query: echo, eventId: null, ...here };
    const all = await this.repository.byEventId(pipeline, eventId, limit);
    // Records at the coordinates without that id (unreadable ones; another record after the topic
    // was recreated) stay in the answer, in arrival order with the rest.
    const seen = new Set(all.occurrences.map(coordinateKey));
    const merged = [...all.occurrences, ...here.occurrences.filter((o) => !seen.has(coordinateKey(o)))].sort(
      (a, b) => a.processedAt.localeCompare(b.processedAt),
    );
    return {
      query: echo,
      eventId,
      occurrences: merged.slice(0, limit),
      truncated: all.truncated || here.truncated || merged.length > limit,
    };
  }
}
