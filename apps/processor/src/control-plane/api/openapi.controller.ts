import { Controller } from '@nestjs/common';
import { buildOpenApiDocument } from '@dedup/contracts';
import { ApiRoute } from '../../platform/http/api-route.decorator';

/** The API document, built once from the route table (docs/openapi.json is its committed copy). */
@Controller()
export class OpenApiController {
  private readonly document = buildOpenApiDocument(OPENAPI_VERSION);

  @ApiRoute('openapi.get')
  get(): Record<string, unknown> {
    return this.document;
  }
}

/** The API's version in the document: the processor's package version. */
export const OPENAPI_VERSION = '0.1.0';
