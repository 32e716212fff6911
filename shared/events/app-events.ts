/**
 * The port through which Hookbridge emits its own events to the app (e.g. `connection.created`).
 * They are delivered like webhook deliveries and signed the same way: the default publisher
 * stores each one as an event record of provider `hookbridge`, so it flows through the same
 * stream -> events-process -> delivery pipeline as a received webhook.
 */
import { storedAppEventPublisher } from '../delivery/app-event-publisher.js';

export interface AppEvent {
  /** Stable id: replays and retries keep it, so the app can dedupe. */
  id: string;
  type: string;
  occurredAt: string;
  data: Record<string, unknown>;
}

export interface AppEventPublisher {
  publish(event: AppEvent): Promise<void>;
}

let publisher: AppEventPublisher | undefined;

/** Tests may swap the publisher; by default events are stored and delivered (see storedPublisher). */
export function setAppEventPublisher(p: AppEventPublisher | undefined): void {
  publisher = p;
}

export function appEvents(): AppEventPublisher {
  return publisher ?? storedPublisher;
}

/**
 * Default: store the event for the delivery pipeline. A static import on purpose: a dynamic
 * import() makes esbuild wrap the whole subgraph (the DynamoDB SDK included) in lazy
 * initialisers it cannot tree-shake, which cost more at cold start than it saved.
 */
const storedPublisher: AppEventPublisher = storedAppEventPublisher;
