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
import { apiUrlFrom, BATON_URL, TODOS_API_URL } from './data/apiUrls';
import { provideNativeResume } from './data/nativeResume';
import { tokenStorage } from './data/tokenStorage';
import { ErrorToast } from './ui/errorToast';

// On the web Baton serves the app, so Baton is the page's own origin; a native shell's page is not
// (capacitor://localhost), and its build names Baton in index.html. The todos may live on another API.
const batonUrl = apiUrlFrom(document, 'baton-api', location.origin);
const todosApiUrl = apiUrlFrom(document, 'baton-todos-api', batonUrl);

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
    { provide: BATON_URL, useValue: batonUrl },
    { provide: TODOS_API_URL, useValue: todosApiUrl },
    provideBaton(
      // The bearer token goes to Baton and to the todos API, and to no other origin.
      {
        baseUrl: batonUrl,
        storage: tokenStorage(),
        allowedOrigins: [new URL(batonUrl).origin, new URL(todosApiUrl).origin],
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
