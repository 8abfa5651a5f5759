import { Controller } from '@nestjs/common';
import type { Principal } from '@dedup/contracts';
import { ApiRoute, CurrentPrincipal } from '../../platform/http/api-route.decorator';

@Controller()
export class AuthController {
  /** Who the credential belongs to: how a script checks its token, and the console its session. */
  @ApiRoute('auth.me')
  me(@CurrentPrincipal() principal: Principal): Principal {
    return principal;
  }
}
