import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built Ionic app (`npm run build:if-stale -w @baton/ionic-app` makes it). */
export const APP_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../apps/ionic/www');
