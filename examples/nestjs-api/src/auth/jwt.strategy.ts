import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { passportJwtSecret } from 'jwks-rsa';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { API_CONFIG, type ApiConfig } from '../config';

/** What a verified Baton token puts on `request.user`. */
export interface BatonUser {
  /** Baton's user id (`sub`). */
  readonly userId: string;
  /** Baton's session id (`sid`). */
  readonly sessionId: string;
}

/**
 * The tutorials' passport-jwt strategy, keyed by Baton's JWKS through jwks-rsa: the key is chosen
 * by the token's `kid` (an unknown `kid` refetches the JWKS, so a rotated key verifies at once),
 * and jsonwebtoken checks the signature against that key's algorithm, `iss`, `aud` and `exp`.
 */
@Injectable()
export class BatonJwtStrategy extends PassportStrategy(Strategy, 'baton-jwt') {
  constructor(@Inject(API_CONFIG) config: ApiConfig) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKeyProvider: passportJwtSecret({
        jwksUri: `${config.batonIssuer}/.well-known/jwks.json`,
        cache: true,
        timeout: 5000,
      }),
      issuer: config.batonIssuer,
      audience: config.audience,
      // jsonwebtoken has no EdDSA: run Baton with ES256 (its default) or RS256.
      algorithms: ['ES256', 'RS256'],
      // Seconds of clock skew tolerated between Baton's clock and this server's.
      jsonWebTokenOptions: { clockTolerance: 5 },
    });
  }

  validate(payload: { sub?: unknown; sid?: unknown }): BatonUser | false {
    if (typeof payload.sub !== 'string' || typeof payload.sid !== 'string') return false;
    return { userId: payload.sub, sessionId: payload.sid };
  }
}
