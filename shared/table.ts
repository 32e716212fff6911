/**
 * The single table's definition: the one source of truth for the CDK stack and the local
 * runtime's CreateTable call. Plain data, no AWS imports.
 */
export const TABLE = {
  partitionKey: 'pk',
  sortKey: 'sk',
  ttlAttribute: 'ttl',
  /** Item attribute that names the record kind; the stream filter lets only new `event` records through. */
  kindAttribute: 'kind',
  /**
   * gsi1 and gsi2 project whole items (every kind but events lists from them). gsi3 holds events
   * only, sharded (keys.ts EVENT), and carries just what an event list returns: one small copy per
   * event instead of two full ones (headers and the gzipped body stay in the table item).
   */
  globalSecondaryIndexes: [
    { indexName: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
    { indexName: 'gsi2', partitionKey: 'gsi2pk', sortKey: 'gsi2sk' },
    {
      indexName: 'gsi3',
      partitionKey: 'gsi3pk',
      sortKey: 'gsi3sk',
      include: [
        'id',
        'provider',
        'source',
        'eventId',
        'type',
        'occurredAt',
        'receivedAt',
        'bodySha256',
        'bodySize',
        'contentType',
        'flagged',
        'ttl',
      ],
    },
  ],
  streamView: 'NEW_IMAGE',
} as const;

export type IndexName = (typeof TABLE.globalSecondaryIndexes)[number]['indexName'];

/** Every key attribute is a string. */
export function keyAttributeNames(): string[] {
  const names = new Set<string>([TABLE.partitionKey, TABLE.sortKey]);
  for (const g of TABLE.globalSecondaryIndexes) {
    names.add(g.partitionKey);
    names.add(g.sortKey);
  }
  return [...names];
}

/** An index's projected non-key attributes, or undefined for ALL. */
export function indexInclude(
  g: (typeof TABLE.globalSecondaryIndexes)[number],
): readonly string[] | undefined {
  return 'include' in g ? g.include : undefined;
}
