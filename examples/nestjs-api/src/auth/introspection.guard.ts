import {
  type CanActivate,
  type ExecutionContext,
  Inject,
  Injectable,
  ServiceUnavailableException,
  UnauthorizedException,
} from '@nestjs/common';
import type { Request } from 'express';
import { API_CONFIG, type ApiConfig } from '../config';

/**
 * Opt-in (set `BATON_CLIENT_ID` and `BATON_CLIENT_SECRET`): after the JWT strategy accepted a
 * token, asks Baton whether it is still live (RFC 7662 `POST /oauth/introspect`), so a session
 * revoked a moment ago is refused now rather than when its token expires. One request to Baton
 * per call: the price of "at once". When Baton cannot answer, the request fails closed (503).
 */
@Injectable()
export class IntrospectionGuard implements CanActivate {
  constructor(@Inject(API_CONFIG) private readonly config: ApiConfig) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const client = this.config.introspection;
    if (!client) return true;
    const request = context.switchToHttp().getRequest<Request>();
    const token = /^Bearer +(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
    if (!token) throw new UnauthorizedException();
    let answer: Response;
    try {
      answer = await fetch(`${this.config.batonIssuer}/oauth/introspect`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`,
        },
        body: new URLSearchParams({ token, token_type_hint: 'access_token' }),
        signal: AbortSignal.timeout(5000),
      });
    } catch {
      throw new ServiceUnavailableException('Baton did not answer the introspection request');
    }
    if (!answer.ok)
      throw new ServiceUnavailableException(`Baton answered introspection with ${answer.status}`);
    const { active } = (await answer.json()) as { active?: unknown };
    if (active !== true) throw new UnauthorizedException('the session of this token has ended');
    return true;
  }
}
