import { Controller, Get, Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { IntrospectionGuard } from './auth/introspection.guard';
import { BatonJwtStrategy } from './auth/jwt.strategy';
import { API_CONFIG, configFromEnv } from './config';
import { TodosController } from './todos/todos.controller';
import { TodosService } from './todos/todos.service';

@Controller('healthz')
class HealthController {
  @Get()
  health(): { status: string } {
    return { status: 'ok' };
  }
}

@Module({
  imports: [PassportModule],
  controllers: [HealthController, TodosController],
  providers: [
    { provide: API_CONFIG, useFactory: () => configFromEnv() },
    BatonJwtStrategy,
    IntrospectionGuard,
    TodosService,
  ],
})
export class AppModule {}
