/**
 * The NestJS stack of the tutorials: NestJS on Express, `@nestjs/passport` + `passport-jwt`
 * guarding the todos, `@nestjs/jwt` signing, bcrypt for passwords. Environment: `PORT`.
 */
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import { exitWithParent } from '../bare/orphanGuard';
import { AuthService } from './auth.service';
import { AuthController, TodosController } from './controllers';
import { JwtStrategy } from './jwt.strategy';
import { UsersService } from './users.service';

@Module({
  imports: [PassportModule, JwtModule.register({})],
  controllers: [AuthController, TodosController],
  providers: [UsersService, AuthService, JwtStrategy],
})
class AppModule {}

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create(AppModule, { logger: false });
  app.enableShutdownHooks();
  await app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1');
}

exitWithParent();
void bootstrap();
