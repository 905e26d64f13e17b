// Index sets and Kubernetes' interval strings ("1,3-5,7").
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  type IndexRanges,
  addIndex,
  addRange,
  countIndexes,
  firstMissingIndexes,
  formatIndexes,
  formatRanges,
  hasIndex,
  indexesOf,
  parseIndexes,
  rangesFromIndexes,
  removeIndex,
  unionRanges,
  validateIndexesFormat,
} from '../src/api/indexes';

/** A set of indexes below `max`, as a sorted list without duplicates. */
const indexSet = (max: number): fc.Arbitrary<number[]> =>
  fc.uniqueArray(fc.nat({ max: max - 1 }), { maxLength: 60 }).map((xs) => [...xs].sort((a, b) => a - b));

function isCanonical(ranges: IndexRanges): boolean {
  return ranges.every(([a, b], i) => a <= b && (i === 0 || (ranges[i - 1]?.[1] ?? -Infinity) + 1 < a));
}

describe('formatRanges / formatIndexes (IJU orderedIntervals.String)', () => {
  const cases: Array<[number[], string]> = [
    [[1, 3, 4, 5, 7], '1,3-5,7'],
    [[0, 1], '0,1'],
    [[0, 1, 2], '0-2'],
    [[2, 4, 5, 7, 8, 9], '2,4,5,7-9'],
    [[], ''],
    [[5], '5'],
  ];
  for (const [indexes, text] of cases) {
    it(`${JSON.stringify(indexes)} -> "${text}"`, () => {
      assert.equal(formatIndexes(indexes), text);
      assert.equal(formatRanges(rangesFromIndexes(indexes)), text);
      assert.equal(formatIndexes(rangesFromIndexes(indexes)), text);
    });
  }
});

describe('parseIndexes (lenient, IJU parseIndexesFromString)', () => {
  it('reads the canonical format', () => {
    assert.deepEqual(parseIndexes('1,3-5,7', 10), [[1, 1], [3, 5], [7, 7]]);
    assert.deepEqual(parseIndexes('', 10), []);
  });
  it('merges adjacent pieces', () => {
    assert.deepEqual(parseIndexes('0,1,2,4-5,6', 10), [[0, 2], [4, 6]]);
  });
  it('skips corrupt pieces', () => {
    assert.deepEqual(parseIndexes('1,x,3-y,5', 10), [[1, 1], [5, 5]]);
  });
  it('stops at the first index >= completions and clamps a range end', () => {
    assert.deepEqual(parseIndexes('1,3-20', 10), [[1, 1], [3, 9]]);
    assert.deepEqual(parseIndexes('1,12,3', 10), [[1, 1]]);
  });
  it('keeps the result canonical even for out-of-order input', () => {
    assert.deepEqual(parseIndexes('5,1-2,3', 10), [[1, 3], [5, 5]]);
  });
});

describe('validateIndexesFormat (VAL validateIndexesFormat)', () => {
  it('counts the indexes of valid strings', () => {
    assert.deepEqual(validateIndexesFormat('', 0), { total: 0 });
    assert.deepEqual(validateIndexesFormat('1,3-5,7', 10), { total: 5 });
    assert.deepEqual(validateIndexesFormat('0,1,2', 3), { total: 3 });
  });
  const errors: Array<[string, number, string]> = [
    ['1-2-3', 10, `the fragment "1-2-3" violates the requirement that an index interval can have at most two parts separated by '-'`],
    ['a', 10, 'cannot convert string to integer for index: "a"'],
    ['1-b', 10, 'cannot convert string to integer for index: "b"'],
    ['1,,2', 10, 'cannot convert string to integer for index: ""'],
    ['-1', 10, 'cannot convert string to integer for index: ""'],
    ['10', 10, 'too large index: "10"'],
    ['1-10', 10, 'too large index: "10"'],
    ['3-3', 10, 'non-increasing order, previous: 3, current: 3'],
    ['5-4', 10, 'non-increasing order, previous: 5, current: 4'],
    ['3,1', 10, 'non-increasing order, previous: 3, current: 1'],
    ['1-3,3', 10, 'non-increasing order, previous: 3, current: 3'],
    ['99999999999999999999', 10, 'cannot convert string to integer for index: "99999999999999999999"'],
  ];
  for (const [s, completions, message] of errors) {
    it(`"${s}": ${message}`, () => assert.deepEqual(validateIndexesFormat(s, completions), { total: 0, error: message }));
  }
  it('accepts Go integer syntax (sign, leading zeros)', () => {
    assert.deepEqual(validateIndexesFormat('+1,007', 10), { total: 2 });
  });
});

describe('range operations', () => {
  it('addIndex merges neighbours and does not modify its input', () => {
    const ranges: IndexRanges = [[0, 1], [3, 3]];
    assert.deepEqual(addIndex(ranges, 2), [[0, 3]]);
    assert.deepEqual(addIndex(ranges, 5), [[0, 1], [3, 3], [5, 5]]);
    assert.deepEqual(addIndex(ranges, 1), [[0, 1], [3, 3]]);
    assert.deepEqual(ranges, [[0, 1], [3, 3]]);
  });
  it('addRange merges everything it touches', () => {
    assert.deepEqual(addRange([[0, 0], [2, 2], [4, 4], [9, 9]], 1, 5), [[0, 5], [9, 9]]);
  });
  it('hasIndex, countIndexes, indexesOf', () => {
    const ranges: IndexRanges = [[1, 1], [3, 5], [7, 7]];
    assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 7, 8].map((i) => hasIndex(ranges, i)), [false, true, false, true, true, true, false, true, false]);
    assert.equal(countIndexes(ranges), 5);
    assert.deepEqual(indexesOf(ranges), [1, 3, 4, 5, 7]);
  });
  it('removeIndex splits a range', () => {
    assert.deepEqual(removeIndex([[0, 4]], 2), [[0, 1], [3, 4]]);
    assert.deepEqual(removeIndex([[0, 4]], 0), [[1, 4]]);
    assert.deepEqual(removeIndex([[2, 2]], 2), []);
  });
  it('firstMissingIndexes: the example of JOB-SEMANTICS 3 (IJU firstPendingIndexes)', () => {
    // completions 20, succeeded {2,4,5,7,8,9}, index 0 running, index 3 pending: the next 6 pods.
    const succeeded = rangesFromIndexes([2, 4, 5, 7, 8, 9]);
    const active = rangesFromIndexes([0, 3]);
    assert.deepEqual(firstMissingIndexes(6, 20, succeeded, active), [1, 6, 10, 11, 12, 13]);
    assert.deepEqual(firstMissingIndexes(10, 3, [[0, 0]]), [1, 2]);
    assert.deepEqual(firstMissingIndexes(2, 3, [[0, 2]]), []);
    assert.deepEqual(firstMissingIndexes(0, 3), []);
  });
});

describe('properties', () => {
  it('formatRanges and parseIndexes round-trip, and agree with validateIndexesFormat', () => {
    fc.assert(
      fc.property(indexSet(200), (indexes) => {
        const ranges = rangesFromIndexes(indexes);
        const text = formatRanges(ranges);
        assert.deepEqual(parseIndexes(text, 200), ranges);
        assert.deepEqual(validateIndexesFormat(text, 200), { total: indexes.length });
        assert.deepEqual(indexesOf(ranges), indexes);
      }),
    );
  });

  it('addIndex, removeIndex and unionRanges behave like set operations and stay canonical', () => {
    fc.assert(
      fc.property(indexSet(100), indexSet(100), fc.nat({ max: 99 }), (a, b, i) => {
        const ra = rangesFromIndexes(a);
        const rb = rangesFromIndexes(b);
        const added = addIndex(ra, i);
        const removed = removeIndex(ra, i);
        const union = unionRanges(ra, rb);
        for (const r of [added, removed, union]) assert.ok(isCanonical(r), JSON.stringify(r));
        assert.deepEqual(indexesOf(added), [...new Set([...a, i])].sort((x, y) => x - y));
        assert.deepEqual(indexesOf(removed), a.filter((x) => x !== i));
        assert.deepEqual(indexesOf(union), [...new Set([...a, ...b])].sort((x, y) => x - y));
        assert.equal(countIndexes(union), new Set([...a, ...b]).size);
        for (let k = 0; k < 100; k++) assert.equal(hasIndex(union, k), a.includes(k) || b.includes(k));
      }),
    );
  });

  it('firstMissingIndexes returns the lowest indexes in none of the sets', () => {
    fc.assert(
      fc.property(indexSet(50), fc.nat({ max: 60 }), fc.nat({ max: 60 }), (taken, completions, count) => {
        const expected = Array.from({ length: completions }, (_, k) => k)
          .filter((k) => !taken.includes(k))
          .slice(0, count);
        assert.deepEqual(firstMissingIndexes(count, completions, rangesFromIndexes(taken)), expected);
      }),
    );
  });
});
