import { type ArgumentsHost, Catch, type ExceptionFilter, UnauthorizedException } from '@nestjs/common';
import type { Response } from 'express';

/** RFC 6750 §3: a 401 on a bearer-protected resource says which scheme to use and why. */
@Catch(UnauthorizedException)
export class BearerChallengeFilter implements ExceptionFilter {
  catch(exception: UnauthorizedException, host: ArgumentsHost): void {
    host
      .switchToHttp()
      .getResponse<Response>()
      .status(401)
      .set('www-authenticate', 'Bearer realm="todos-api", error="invalid_token"')
      .json({ statusCode: 401, error: 'invalid_token', message: exception.message });
  }
}
