import type { Routes } from '@angular/router';
import { authGuard, guestGuard } from '@baton/angular';

export const routes: Routes = [
  { path: '', pathMatch: 'full', redirectTo: 'todos' },
  {
    path: 'login',
    canActivate: [guestGuard],
    loadComponent: () => import('./pages/login.page').then((m) => m.LoginPage),
  },
  {
    path: 'register',
    canActivate: [guestGuard],
    loadComponent: () => import('./pages/register.page').then((m) => m.RegisterPage),
  },
  {
    path: 'todos',
    canActivate: [authGuard],
    loadComponent: () => import('./pages/todos.page').then((m) => m.TodosPage),
  },
  {
    path: 'sessions',
    canActivate: [authGuard],
    loadComponent: () => import('./pages/sessions.page').then((m) => m.SessionsPage),
  },
  { path: '**', redirectTo: 'todos' },
];
