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
    path: 'forgot-password',
    canActivate: [guestGuard],
    loadComponent: () => import('./pages/forgotPassword.page').then((m) => m.ForgotPasswordPage),
  },
  // Mail links: they work whether or not this device is signed in (and as whom).
  {
    path: 'reset-password',
    loadComponent: () => import('./pages/resetPassword.page').then((m) => m.ResetPasswordPage),
  },
  {
    path: 'verify-email',
    loadComponent: () => import('./pages/verifyEmail.page').then((m) => m.VerifyEmailPage),
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
  {
    path: 'account',
    canActivate: [authGuard],
    loadComponent: () => import('./pages/account/account.page').then((m) => m.AccountPage),
  },
  { path: '**', redirectTo: 'todos' },
];
