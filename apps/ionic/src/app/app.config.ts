import { provideHttpClient, withFetch, withInterceptors } from '@angular/common/http';
import { type ApplicationConfig, inject, provideZonelessChangeDetection } from '@angular/core';
import { provideRouter, RouteReuseStrategy, withComponentInputBinding } from '@angular/router';
import { batonInterceptor, provideBaton, withRoutes, withSignOutHandler } from '@baton/angular';
import { IonicRouteStrategy } from '@ionic/angular/ionic-route-strategy';
import { NavController } from '@ionic/angular/nav-controller';
import { provideIonicAngular } from '@ionic/angular/provide';
import { routes } from './app.routes';
import { preferencesStorage } from './data/preferencesStorage';

export const appConfig: ApplicationConfig = {
  providers: [
    provideZonelessChangeDetection(),
    provideIonicAngular({ mode: 'md' }),
    { provide: RouteReuseStrategy, useClass: IonicRouteStrategy },
    provideRouter(routes, withComponentInputBinding()),
    provideHttpClient(withFetch(), withInterceptors([batonInterceptor])),
    provideBaton(
      // The app is served by the Baton server itself, so the API is the page's own origin.
      { baseUrl: location.origin, storage: preferencesStorage() },
      withRoutes({ loginPath: '/login', homePath: '/todos' }),
      // navigateRoot discards Ionic's page stack, so no page of the signed-out user stays in the DOM.
      withSignOutHandler((loginPath) => inject(NavController).navigateRoot(loginPath, { replaceUrl: true })),
    ),
  ],
};
