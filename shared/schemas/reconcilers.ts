import * as z from 'zod/mini';
import '../zod-locale.js';
import { IdParam, listOf } from './common.js';

const Int = (min: number, max: number, what: string) =>
  z.number().check(z.int(), z.gte(min), z.lte(max), z.describe(what));

export const PutReconcilerBody = z
  .strictObject({
    integrationId: IdParam.check(
      z.describe('An api-key integration whose key can list the provider’s events (PUT /integrations/{id})'),
    ),
    intervalMinutes: Int(
      5,
      1440,
      'Minutes between scheduled runs, 5 to 1440 (the schedule ticks every 5 minutes)',
    ),
    lookbackHours: Int(
      1,
      720,
      'How far back the first run lists, 1 to 720 hours (Stripe keeps events 30 days); later runs start at the checkpoint',
    ),
  })
  .register(z.globalRegistry, { id: 'PutReconcilerBody' });

const Iso = z.iso.datetime();

export const ReconcileRunView = z
  .object({
    trigger: z.enum(['schedule', 'manual']),
    status: z
      .enum(['running', 'completed', 'partial', 'failed'])
      .check(
        z.describe(
          'completed: the whole window was listed (the checkpoint moved to windowTo); partial: the time or page budget ran out; failed: see error. Both resume at `after`',
        ),
      ),
    startedAt: Iso,
    finishedAt: z.optional(Iso),
    windowFrom: Iso.check(z.describe('Events created from here …')),
    windowTo: Iso.check(z.describe('… to here (inclusive) are listed')),
    after: z.optional(z.string()).check(z.describe('The last event id listed: where the next page starts')),
    pages: z.number().check(z.int(), z.describe('Pages fetched from the provider')),
    listed: z.number().check(z.int(), z.describe('Events on them inside the window')),
    stored: z.number().check(z.int(), z.describe('Events stored now, with via "reconciliation"')),
    skipped: z
      .number()
      .check(
        z.int(),
        z.describe('Events already stored (received as webhooks or by an earlier run): no write'),
      ),
    errors: z.number().check(z.int(), z.describe('Events that could not be stored, and a failed page')),
    error: z.optional(z.object({ code: z.string(), detail: z.string() })),
  })
  .register(z.globalRegistry, { id: 'ReconcileRun' });

export const ReconcilerView = z
  .object({
    id: z
      .string()
      .check(z.describe('`{provider}` for the default source, `{provider}:{sourceId}` for another')),
    provider: z.string(),
    source: z
      .string()
      .check(z.describe('The webhook source its events are stored under (`default` or the sourceId)')),
    integrationId: z.string(),
    intervalMinutes: z.number().check(z.int()),
    lookbackHours: z.number().check(z.int()),
    createdAt: Iso,
    updatedAt: Iso,
    checkpoint: z
      .optional(Iso)
      .check(
        z.describe('Every event created up to here has been listed; absent before the first completed run'),
      ),
    nextRunAt: Iso.check(z.describe('When the schedule runs it next')),
    progress: z
      .optional(ReconcileRunView)
      .check(z.describe('The run under way, or one that stopped early (the next run resumes it)')),
    lastRun: z.optional(ReconcileRunView),
  })
  .register(z.globalRegistry, { id: 'Reconciler' });

export const ReconcilerList = listOf(ReconcilerView, 'ReconcilerList');
