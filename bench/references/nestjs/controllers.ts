import { Body, Controller, Get, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { AuthService, type TokenPair } from './auth.service';
import { UsersService } from './users.service';

interface Credentials {
  readonly email: string;
  readonly password: string;
}

@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('register')
  register(@Body() body: Credentials): Promise<TokenPair> {
    return this.auth.register(body.email, body.password);
  }

  @Post('login')
  @HttpCode(200)
  login(@Body() body: Credentials): Promise<TokenPair> {
    return this.auth.login(body.email, body.password);
  }

  @Post('refresh')
  @HttpCode(200)
  refresh(@Body() body: { refreshToken: string }): Promise<TokenPair> {
    return this.auth.refresh(body.refreshToken);
  }
}

@Controller()
export class TodosController {
  constructor(private readonly users: UsersService) {}

  @Get('healthz')
  health(): { status: string } {
    return { status: 'ok' };
  }

  @UseGuards(AuthGuard('jwt'))
  @Get('todos')
  list(@Req() request: { user: { userId: string } }): unknown {
    return this.users.todosOf(request.user.userId);
  }
}
