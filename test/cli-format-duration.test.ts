// humanDuration is apimachinery's duration.HumanDuration; tabwrite is Go's text/tabwriter layout.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { humanDuration } from '../src/cli/format';
import { DESCRIBE_TABWRITER, TABLE_TABWRITER, tabwrite } from '../src/cli/format/tabwriter';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;
const Y = 365 * D;

describe('humanDuration (duration.HumanDuration)', () => {
  const cases: Array<[number, string]> = [
    // Negative: up to 1.999s of skew reads as now, because Go truncates toward zero.
    [-2 * S, '<invalid>'],
    [-1999, '0s'],
    [-1 * S, '0s'],
    [-1, '0s'],
    [0, '0s'],
    [999, '0s'],
    [45 * S, '45s'],
    [119 * S + 999, '119s'],
    // From 2 minutes: minutes with seconds below 10 minutes.
    [2 * M, '2m'],
    [2 * M + 30 * S, '2m30s'],
    [9 * M + 59 * S, '9m59s'],
    [10 * M, '10m'],
    [10 * M + 59 * S, '10m'],
    [179 * M + 59 * S, '179m'],
    // From 3 hours: hours with minutes below 8 hours.
    [3 * H, '3h'],
    [3 * H + 10 * M, '3h10m'],
    [7 * H + 59 * M, '7h59m'],
    [8 * H, '8h'],
    [47 * H + 59 * M, '47h'],
    // From 2 days: days with hours below 8 days.
    [48 * H, '2d'],
    [2 * D + 5 * H, '2d5h'],
    [7 * D + 23 * H, '7d23h'],
    [8 * D, '8d'],
    [8 * D + 23 * H, '8d'],
    [2 * Y - H, '729d'],
    // From 2 years: years with days below 8 years.
    [2 * Y, '2y'],
    [2 * Y + 100 * D, '2y100d'],
    [8 * Y - D, '7y364d'],
    [8 * Y, '8y'],
    [20 * Y + 200 * D, '20y'],
  ];
  for (const [ms, want] of cases) {
    it(`${ms} ms -> ${want}`, () => assert.equal(humanDuration(ms), want));
  }
});

describe('tabwrite (Go text/tabwriter)', () => {
  it('pads columns to the widest cell plus padding, with a minimum width, and never pads the last cell', () => {
    assert.equal(tabwrite('NAME\tAGE\npi\t5m\n', TABLE_TABWRITER), 'NAME   AGE\npi     5m\n');
    // minwidth 6: a 1-character column still takes 6.
    assert.equal(tabwrite('A\tB\nx\ty\n', TABLE_TABWRITER), 'A     B\nx     y\n');
  });

  it('aligns a column only over consecutive lines that have a cell in it', () => {
    const text = 'Name:\tpi\nLabels:\ta=b\n\tc=d\nPod Template:\n  Labels:\tx=y\n';
    assert.equal(
      tabwrite(text, DESCRIBE_TABWRITER),
      'Name:    pi\nLabels:  a=b\n         c=d\nPod Template:\n  Labels:  x=y\n',
    );
  });

  it('sizes nested columns within the block of the column to their left', () => {
    const text = 'a\tbb\tc\naaa\tb\tc\nz\n  x\ty\n';
    assert.equal(tabwrite(text, DESCRIBE_TABWRITER), 'a    bb  c\naaa  b   c\nz\n  x  y\n');
  });

  it('counts runes, not UTF-16 units', () => {
    assert.equal(tabwrite('é\tx\nab\ty\n', DESCRIBE_TABWRITER), 'é   x\nab  y\n');
    assert.equal(tabwrite('😀\tx\nab\ty\n', DESCRIBE_TABWRITER), '😀   x\nab  y\n');
  });
});
