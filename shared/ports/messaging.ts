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
    }
  | { kind: 'replay'; replayId: string };

export interface DeliveryQueue {
  send(message: QueueMessage, delaySec: number): Promise<void>;
}

export interface BusEntry {
  source: string;
  detailType: string;
  detail: unknown;
  /** Stable id for consumers to dedupe. */
  id: string;
}

export interface EventBusPublisher {
  publish(entries: BusEntry[]): Promise<void>;
}
