import { describe, expect, it } from 'vitest';
import {
  indexCopy,
  indexWriteUnits,
  itemSize,
  readUnits,
  valueSize,
  writeUnits,
} from '../support/dynamodb-sizing.js';

describe('DynamoDB item sizing', () => {
  it('counts attribute names and string values in UTF-8 bytes', () => {
    expect(itemSize({ pk: { S: 'abc' } })).toBe(2 + 3);
    expect(itemSize({ né: { S: 'ü€' } })).toBe(3 + 5);
    expect(itemSize({ e: { S: '' } })).toBe(1);
  });

  it('sizes a number by its significant digits: 1 byte per two, plus 1', () => {
    expect(valueSize({ N: '7' })).toBe(2);
    expect(valueSize({ N: '1234' })).toBe(3);
    expect(valueSize({ N: '12345' })).toBe(4);
    expect(valueSize({ N: '-0012.3400' })).toBe(3);
    expect(valueSize({ N: '1000' })).toBe(2);
    expect(valueSize({ N: '1.5e10' })).toBe(2);
  });

  it('sizes binary by its raw bytes, not its base64 text', () => {
    const raw = Buffer.alloc(100, 7);
    expect(itemSize({ b: { B: raw.toString('base64') } })).toBe(1 + 100);
    expect(valueSize({ BS: [raw.toString('base64'), Buffer.alloc(3).toString('base64')] })).toBe(103);
  });

  it('gives null and booleans 1 byte, and sets the sum of their members', () => {
    expect(itemSize({ ok: { BOOL: false }, no: { NULL: true } })).toBe(2 + 1 + 2 + 1);
    expect(valueSize({ SS: ['ab', 'c'] })).toBe(3);
    expect(valueSize({ NS: ['1', '123'] })).toBe(2 + 3);
  });

  it('adds 3 bytes per list or map and 1 byte per element, nested names counted', () => {
    expect(valueSize({ L: [] })).toBe(3);
    expect(valueSize({ M: {} })).toBe(3);
    expect(valueSize({ L: [{ S: 'ab' }, { N: '1' }] })).toBe(3 + (1 + 2) + (1 + 2));
    expect(valueSize({ M: { k: { S: 'v' }, m: { M: { x: { BOOL: true } } } } })).toBe(
      3 + (1 + 1 + 1) + (1 + 1 + (3 + (1 + 1 + 1))),
    );
    expect(() => valueSize({ X: 1 })).toThrow(/not a DynamoDB attribute value/);
  });

  it('turns sizes into request units: 1 KB per WRU, 4 KB per RRU, minimum one unit', () => {
    expect([writeUnits(0), writeUnits(1024), writeUnits(1025), writeUnits(1025, true)]).toEqual([1, 1, 2, 4]);
    expect(readUnits(100, 'eventual')).toBe(0.5);
    expect(readUnits(4097, 'strong')).toBe(2);
    expect(readUnits(4096, 'transactional')).toBe(2);
  });

  const gsi = {
    KeySchema: [{ AttributeName: 'gpk' }, { AttributeName: 'gsk' }],
    Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['a'] },
  };
  const item = {
    pk: { S: 'p' },
    sk: { S: 's' },
    gpk: { S: 'g' },
    gsk: { S: '1' },
    a: { S: 'x' },
    big: { S: 'y'.repeat(2000) },
  };

  it('projects only the index and table keys and the included attributes, and skips items without the index keys', () => {
    expect(Object.keys(indexCopy(item, gsi, ['pk', 'sk'])!).sort()).toEqual(['a', 'gpk', 'gsk', 'pk', 'sk']);
    expect(indexCopy({ ...item, gsk: undefined as never }, gsi, ['pk', 'sk'])).toBeUndefined();
    expect(indexCopy(item, { ...gsi, Projection: { ProjectionType: 'ALL' } }, ['pk', 'sk'])).toBe(item);
  });

  it('charges an index write only when its copy appears, changes or moves', () => {
    const keys = ['pk', 'sk'];
    expect(indexWriteUnits(undefined, item, { ...gsi, Projection: { ProjectionType: 'ALL' } }, keys)).toBe(2);
    expect(indexWriteUnits(undefined, item, gsi, keys)).toBe(1);
    expect(indexWriteUnits(item, { ...item, big: { S: 'z' } }, gsi, keys)).toBe(0);
    expect(indexWriteUnits(item, { ...item, a: { S: 'changed' } }, gsi, keys)).toBe(1);
    expect(indexWriteUnits(item, { ...item, gsk: { S: '2' } }, gsi, keys)).toBe(2);
    const { gpk: _, ...unindexed } = item;
    expect(indexWriteUnits(item, unindexed, gsi, keys)).toBe(1);
    expect(indexWriteUnits(unindexed, unindexed, gsi, keys)).toBe(0);
  });
});
