import { Controller, Inject } from '@nestjs/common';
import type {
  ApiToken,
  ApiTokenListResponse,
  CreatedApiToken,
  Principal,
  RouteInput,
} from '@dedup/contracts';
import { ApiRoute, CurrentPrincipal, RouteInputs } from '../../platform/http/api-route.decorator';
import { TokensService } from './tokens.service';

/** API tokens for scripts and CI (admin only; docs/access-control.md). */
@Controller()
export class TokensController {
  constructor(@Inject(TokensService) private readonly tokens: TokensService) {}

  @ApiRoute('tokens.list')
  async list(): Promise<ApiTokenListResponse> {
    return { tokens: await this.tokens.list() };
  }

  @ApiRoute('tokens.create')
  create(
    @RouteInputs() input: RouteInput<'tokens.create'>,
    @CurrentPrincipal() principal: Principal,
  ): Promise<CreatedApiToken> {
    return this.tokens.create(input.body, principal);
  }

  @ApiRoute('tokens.revoke')
  revoke(@RouteInputs() input: RouteInput<'tokens.revoke'>): Promise<ApiToken> {
    return this.tokens.revoke(input.params.id);
  }
}
