// zod/mini carries no locale (its default messages all read "Invalid input"); classic zod installs
// English on import. Every schema module imports this, so the API's 400s keep naming the problem.
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';

z.config(en());
