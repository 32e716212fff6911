/** Ports for the delivery pipeline's managed services: the delivery queue (SQS) and the event bus (EventBridge). */

/** Messages on the delivery queue (SQS on AWS, the local emulation otherwise). */
export type QueueMessage =
  | {
      kind: 'delivery';
      eventId: string;
      destinationId: string;
      part: number;
      round: number;
      attempt: number;
      /** Epoch ms before which the attempt must not run (waits above 15 min hop through the queue). */
      notBefore: number;
      /**
       * The event part's app payload, as sent, when events-process had it at hand and it is small
       * enough (MAX_CARRIED_PAYLOAD_BYTES): the sender then reads no event. Absent: read the event.
       */
      payload?: unknown;
      /**
       * Set on a part's first attempt queued by events-process: the delivery does not exist yet
       * and this attempt's claim creates it (its type, destination generation and creation time).
       */
      create?: { type: string; generation?: string | undefined; createdAt: string };
      /** A rate slot this attempt already holds (shared/delivery/flow.ts): it starts then, taking no other. */
      rateSlot?: { at: number; attempt: number } | undefined;
    }
  | { kind: 'replay'; replayId: string };

export interface DeliveryQueue {
  send(message: QueueMessage, delaySec: number): Promise<void>;
}

/** One queue's depth: SQS's approximate counts (or the local queue's exact ones). */
export interface QueueDepth {
  /** The queue's name (on AWS the last part of its URL). */
  name: string;
  role: 'delivery' | 'dead-letter';
  /** Messages ready to be received. */
  visible: number;
  /** Received, not yet deleted. */
  inFlight: number;
  /** Waiting out their DelaySeconds (retry backoff). */
  delayed: number;
}

/** The pipeline's queues, for GET /health/pipeline. */
export interface QueueStats {
  depths(): Promise<QueueDepth[]>;
}

export interface BusEntry {
  source: string;
  detailType: string;
  detail: unknown;
  /** Stable id for consumers to dedupe. */
  id: string;
}

/** EventBridge's PutEvents limit for one entry: 256 KB (262,144 bytes), sized by busEntrySize. */
export const BUS_ENTRY_MAX_BYTES = 262_144;

/**
 * An entry's size as PutEvents computes it: the UTF-8 bytes of Source, DetailType and Detail (the
 * JSON text sent); Hookbridge sets no Time or Resources.
 */
export const busEntrySize = (e: Pick<BusEntry, 'source' | 'detailType' | 'detail'>): number =>
  Buffer.byteLength(e.source) + Buffer.byteLength(e.detailType) + Buffer.byteLength(JSON.stringify(e.detail));

export interface EventBusPublisher {
  publish(entries: BusEntry[]): Promise<void>;
}
