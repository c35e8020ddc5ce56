import { describe, expect, it } from 'vitest';
import { formatTable } from './format-table.js';

describe('formatTable', () => {
  it('pads every column but the last to its widest cell', () => {
    expect(formatTable(['ID', 'TITLE'], [['a1', 'Weather'], ['bbbb22', 'Holidays in Spain']])).toBe(
      'ID      TITLE\na1      Weather\nbbbb22  Holidays in Spain\n',
    );
  });

  it('prints only the header when there are no rows', () => {
    expect(formatTable(['A', 'B'], [])).toBe('A  B\n');
  });
});
