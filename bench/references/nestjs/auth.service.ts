import { randomUUID } from 'node:crypto';
import { ConflictException, Injectable, UnauthorizedException } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import * as bcrypt from 'bcrypt';
import { UsersService } from './users.service';

/** bcrypt cost 10: OWASP's minimum for bcrypt, the same cost class as Baton's argon2id setting. */
const BCRYPT_ROUNDS = 10;
export const ACCESS_SECRET = 'bench-access-secret-0123456789abcdef';
const REFRESH_SECRET = 'bench-refresh-secret-0123456789abcdef';

export interface TokenPair {
  readonly accessToken: string;
  readonly refreshToken: string;
}

/**
 * Login and rotating refresh as the NestJS tutorials write them: HS256 access token (15 min),
 * refresh token as a second JWT whose `jti` must be the live one of its session, kept in memory
 * (so rotation here is not durable: a restart forgets every session).
 */
@Injectable()
export class AuthService {
  /** Live refresh `jti` -> user id. Rotation deletes the presented one and adds its successor. */
  private readonly liveRefresh = new Map<string, string>();

  constructor(
    private readonly users: UsersService,
    private readonly jwt: JwtService,
  ) {}

  async register(email: string, password: string): Promise<TokenPair> {
    const user = this.users.create(email, await bcrypt.hash(password, BCRYPT_ROUNDS));
    if (!user) throw new ConflictException('email taken');
    return this.issue(user.id);
  }

  async login(email: string, password: string): Promise<TokenPair> {
    const user = this.users.findByEmail(email);
    if (!user || !(await bcrypt.compare(password, user.passwordHash))) {
      throw new UnauthorizedException('invalid credentials');
    }
    return this.issue(user.id);
  }

  async refresh(refreshToken: string): Promise<TokenPair> {
    let payload: { sub: string; jti: string };
    try {
      payload = await this.jwt.verifyAsync(refreshToken, { secret: REFRESH_SECRET });
    } catch {
      throw new UnauthorizedException('invalid refresh token');
    }
    if (this.liveRefresh.get(payload.jti) !== payload.sub)
      throw new UnauthorizedException('refresh token reused');
    this.liveRefresh.delete(payload.jti);
    return this.issue(payload.sub);
  }

  private async issue(userId: string): Promise<TokenPair> {
    const jti = randomUUID();
    this.liveRefresh.set(jti, userId);
    const [accessToken, refreshToken] = await Promise.all([
      this.jwt.signAsync({ sub: userId }, { secret: ACCESS_SECRET, expiresIn: '15m' }),
      this.jwt.signAsync({ sub: userId, jti }, { secret: REFRESH_SECRET, expiresIn: '7d' }),
    ]);
    return { accessToken, refreshToken };
  }
}
