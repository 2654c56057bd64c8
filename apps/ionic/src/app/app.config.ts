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
import { tokenStorage } from './data/tokenStorage';
import { ErrorToast } from './ui/errorToast';

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
    provideBaton(
      // The app is served by the Baton server itself, so the API is the page's own origin.
      { baseUrl: location.origin, storage: tokenStorage() },
      withRoutes({ loginPath: '/login', homePath: '/todos' }),
      // navigateRoot discards Ionic's page stack: no page of the signed-out user stays in the DOM,
      // and after signing in there is no way "back" to the login page.
      withSignOutHandler((loginUrl) => inject(NavController).navigateRoot(loginUrl, { replaceUrl: true })),
      withSignInHandler((url) => inject(NavController).navigateRoot(url, { replaceUrl: true })),
    ),
    provideNativeResume(),
  ],
};
