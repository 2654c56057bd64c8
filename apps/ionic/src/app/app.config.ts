import { provideHttpClient, withFetch, withInterceptors } from '@angular/common/http';
import { type ApplicationConfig, inject, provideZonelessChangeDetection } from '@angular/core';
import {
  provideRouter,
  RouteReuseStrategy,
  withComponentInputBinding,
  withNavigationErrorHandler,
} from '@angular/router';
import {
  batonInterceptor,
  provideBaton,
  withRoutes,
  withSignInHandler,
  withSignOutHandler,
} from '@baton/angular';
import { IonicRouteStrategy } from '@ionic/angular/ionic-route-strategy';
import { NavController } from '@ionic/angular/nav-controller';
import { provideIonicAngular } from '@ionic/angular/provide';
import { routes } from './app.routes';
import { provideNativeResume } from './data/nativeResume';
import { TODOS_API_URL, todosApiUrlFrom } from './data/todosApiUrl';
import { tokenStorage } from './data/tokenStorage';
import { ErrorToast } from './ui/errorToast';

// Baton serves the app, so Baton is the page's own origin; the todos may live on another API.
const todosApiUrl = todosApiUrlFrom(document, location.origin);

export const appConfig: ApplicationConfig = {
  providers: [
    provideZonelessChangeDetection(),
    provideIonicAngular({ mode: 'md' }),
    { provide: RouteReuseStrategy, useClass: IonicRouteStrategy },
    provideRouter(
      routes,
      withComponentInputBinding(),
      // A page whose code cannot be loaded (offline: its lazy chunk fails) must say so, not do nothing.
      withNavigationErrorHandler(() => {
        void inject(ErrorToast).say('This page could not be loaded. Check your connection and try again.');
      }),
    ),
    provideHttpClient(withFetch(), withInterceptors([batonInterceptor])),
    { provide: TODOS_API_URL, useValue: todosApiUrl },
    provideBaton(
      // The bearer token goes to Baton and to the todos API, and to no other origin.
      {
        baseUrl: location.origin,
        storage: tokenStorage(),
        allowedOrigins: [location.origin, new URL(todosApiUrl).origin],
      },
      withRoutes({ loginPath: '/login', homePath: '/todos' }),
      // navigateRoot discards Ionic's page stack: no page of the signed-out user stays in the DOM,
      // and after signing in there is no way "back" to the login page.
      withSignOutHandler((loginUrl) => inject(NavController).navigateRoot(loginUrl, { replaceUrl: true })),
      withSignInHandler((url) => inject(NavController).navigateRoot(url, { replaceUrl: true })),
    ),
    provideNativeResume(),
  ],
};
