import { describe, expect, it } from 'vitest';
import { RecordingPublisher } from '../../shared/adapters/eventbridge.js';
import type { DeliveryDeps } from '../../shared/delivery/deps.js';
import { publishToBus } from '../../shared/delivery/process.js';
import type { EventRecord } from '../../shared/events/record.js';
import type { AppPayload } from '../../shared/payments/model.js';
import { BUS_ENTRY_MAX_BYTES, type BusEntry, busEntrySize } from '../../shared/ports/index.js';

/** An entry whose PutEvents size is exactly `bytes`. */
function entryOf(bytes: number): BusEntry {
  const base = { source: 'hookbridge.stripe', detailType: 'stripe.raw', id: 'evt_1' };
  const pad = bytes - busEntrySize({ ...base, detail: { p: '' } });
  return { ...base, detail: { p: 'x'.repeat(pad) } };
}

describe('busEntrySize', () => {
  it('counts Source, DetailType and the Detail JSON in UTF-8 bytes, as PutEvents does', () => {
    expect(busEntrySize({ source: 'ab', detailType: 'é', detail: { k: 'ü' } })).toBe(
      2 + 2 + '{"k":"ü"}'.length + 1,
    );
  });
});

describe('RecordingPublisher', () => {
  it('accepts an entry of exactly 256 KB and refuses one byte more, recording nothing of the call', async () => {
    const bus = new RecordingPublisher();
    await bus.publish([entryOf(BUS_ENTRY_MAX_BYTES)]);
    expect(bus.published).toHaveLength(1);
    await expect(bus.publish([entryOf(100), entryOf(BUS_ENTRY_MAX_BYTES + 1)])).rejects.toThrow(
      /rejected 1 entries: over the 262144-byte PutEvents entry limit/,
    );
    expect(bus.published).toHaveLength(1);
  });
});

describe('publishToBus', () => {
  const record = { id: 'evt_big', provider: 'stripe' } as EventRecord;
  const payload = (size: number) =>
    ({ type: 'stripe.raw', payload: { blob: 'x'.repeat(size) } }) as unknown as AppPayload;

  it('publishes a detail over the limit as a reference to the stored event, the rest in full', async () => {
    const bus = new RecordingPublisher();
    const deps = { bus } as unknown as DeliveryDeps;
    await publishToBus(
      deps,
      record,
      [
        { part: 0, webhookId: 'evt_big', payload: payload(300_000) },
        { part: 1, webhookId: 'evt_big_1', payload: payload(10) },
      ],
      true,
    );
    expect(bus.published.map((e) => e.detail)).toEqual([
      {
        id: 'evt_big',
        replay: true,
        type: 'stripe.raw',
        provider: 'stripe',
        sizeBytes: expect.any(Number),
        ref: '/events/evt_big',
        truncated: true,
      },
      { id: 'evt_big_1', replay: true, type: 'stripe.raw', payload: { blob: 'xxxxxxxxxx' } },
    ]);
    expect((bus.published[0]!.detail as { sizeBytes: number }).sizeBytes).toBeGreaterThan(300_000);
  });
});
