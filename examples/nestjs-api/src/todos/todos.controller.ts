import {
  BadRequestException,
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  Patch,
  Post,
  Req,
  UseGuards,
} from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import type { Request } from 'express';
import { IntrospectionGuard } from '../auth/introspection.guard';
import type { BatonUser } from '../auth/jwt.strategy';
import { type Todo, TodosService } from './todos.service';

const userOf = (request: Request) => (request.user as BatonUser).userId;

function titleOf(value: unknown, required: boolean): string | undefined {
  if (value === undefined && !required) return undefined;
  const title = typeof value === 'string' ? value.trim() : '';
  if (!title || title.length > 500) throw new BadRequestException('title: 1 to 500 characters');
  return title;
}

/** The todos of the signed-in Baton user: JWT first (no round trip), then introspection if configured. */
@Controller('todos')
@UseGuards(AuthGuard('baton-jwt'), IntrospectionGuard)
export class TodosController {
  constructor(private readonly todos: TodosService) {}

  @Get()
  list(@Req() request: Request): Todo[] {
    return this.todos.list(userOf(request));
  }

  @Post()
  add(@Req() request: Request, @Body() body: { title?: unknown }): Todo {
    return this.todos.add(userOf(request), titleOf(body?.title, true) as string);
  }

  @Patch(':id')
  update(
    @Req() request: Request,
    @Param('id') id: string,
    @Body() body: { title?: unknown; done?: unknown },
  ): Todo {
    const title = titleOf(body?.title, false);
    if (body?.done !== undefined && typeof body.done !== 'boolean')
      throw new BadRequestException('done: a boolean');
    const patch = {
      ...(title === undefined ? {} : { title }),
      ...(body?.done === undefined ? {} : { done: body.done }),
    };
    const todo = this.todos.update(userOf(request), id, patch);
    if (!todo) throw new NotFoundException();
    return todo;
  }

  @Delete(':id')
  @HttpCode(204)
  remove(@Req() request: Request, @Param('id') id: string): void {
    if (!this.todos.remove(userOf(request), id)) throw new NotFoundException();
  }
}
