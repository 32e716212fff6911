/** Reconcilers: what one is configured with, its checkpoint, the run under way and the last run. */

/** What started a run: the schedule (the `reconciler` function) or `POST /reconcilers/{id}/run`. */
export type RunTrigger = 'schedule' | 'manual';

/** `completed`: the whole window was listed; `partial`: the run's time or page budget ran out (the next run resumes); `failed`: see `error`. */
export type RunStatus = 'running' | 'completed' | 'partial' | 'failed';

/** The counts of one run, page by page. */
export interface RunCounts {
  /** Pages fetched from the provider. */
  pages: number;
  /** Events on those pages inside the run's window. */
  listed: number;
  /** Events stored now (never received as a webhook nor stored by an earlier run). */
  stored: number;
  /** Events already stored: skipped without a write. */
  skipped: number;
  /** Events that could not be stored (no id, over the record limits) and failed pages. */
  errors: number;
}

export interface ReconcileRun extends RunCounts {
  trigger: RunTrigger;
  status: RunStatus;
  startedAt: string;
  finishedAt?: string | undefined;
  /** The events listed are those created from `windowFrom` to `windowTo` (inclusive). */
  windowFrom: string;
  windowTo: string;
  /** The last event id listed: where the next page (or a resumed run) starts. */
  after?: string | undefined;
  /** Why the run failed or stopped early (never a credential). */
  error?: { code: string; detail: string } | undefined;
}

/** What `PUT /reconcilers/{provider}[/{sourceId}]` sets. */
export interface ReconcilerSettings {
  integrationId: string;
  intervalMinutes: number;
  lookbackHours: number;
}

export interface Reconciler extends ReconcilerSettings {
  /** `{provider}` for the default source, `{provider}:{sourceId}` for another. */
  id: string;
  provider: string;
  /** The webhook source its events are stored under (`default` or the sourceId). */
  source: string;
  createdAt: string;
  updatedAt: string;
  /** Every event created up to this instant has been listed (absent before the first completed run). */
  checkpoint?: string | undefined;
  /** When the schedule runs it next. */
  nextRunAt: string;
  /** The run under way, or one that stopped early and the next run resumes. */
  progress?: ReconcileRun | undefined;
  lastRun?: ReconcileRun | undefined;
}
