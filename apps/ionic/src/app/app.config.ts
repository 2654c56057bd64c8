import { provideHttpClient, withFetch, withInterceptors } from '@angular/common/http';
import { type ApplicationConfig, inject, provideZonelessChangeDetection } from '@angular/core';
import { provideRouter, RouteReuseStrategy, withComponentInputBinding } from '@angular/router';
import { batonInterceptor, provideBaton, withRoutes, withSignOutHandler } from '@baton/angular';
import { IonicRouteStrategy } from '@ionic/angular/ionic-route-strategy';
import { NavController } from '@ionic/angular/nav-controller';
import { provideIonicAngular } from '@ionic/angular/provide';
import { routes } from './app.routes';
import { preferencesStorage } from './data/preferencesStorage';
import { TODOS_API_URL, todosApiUrlFrom } from './data/todosApiUrl';

// Baton serves the app, so Baton is the page's own origin; the todos may live on another API.
const todosApiUrl = todosApiUrlFrom(document, location.origin);

export const appConfig: ApplicationConfig = {
  providers: [
    provideZonelessChangeDetection(),
    provideIonicAngular({ mode: 'md' }),
    { provide: RouteReuseStrategy, useClass: IonicRouteStrategy },
    provideRouter(routes, withComponentInputBinding()),
    provideHttpClient(withFetch(), withInterceptors([batonInterceptor])),
    { provide: TODOS_API_URL, useValue: todosApiUrl },
    provideBaton(
      // The bearer token goes to Baton and to the todos API, and to no other origin.
      {
        baseUrl: location.origin,
        storage: preferencesStorage(),
        allowedOrigins: [location.origin, new URL(todosApiUrl).origin],
      },
      withRoutes({ loginPath: '/login', homePath: '/todos' }),
      // navigateRoot discards Ionic's page stack, so no page of the signed-out user stays in the DOM.
      withSignOutHandler((loginPath) => inject(NavController).navigateRoot(loginPath, { replaceUrl: true })),
    ),
  ],
};
