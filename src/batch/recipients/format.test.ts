import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../core/errors.js';
import { detectRecipientsFormat } from './format.js';

describe('detectRecipientsFormat', () => {
  it('tells the format by extension, in any case', () => {
    expect(detectRecipientsFormat('people.csv')).toBe('csv');
    expect(detectRecipientsFormat('/tmp/PEOPLE.CSV')).toBe('csv');
    expect(detectRecipientsFormat('people.ndjson')).toBe('ndjson');
    expect(detectRecipientsFormat('dir.v2/people.jsonl')).toBe('ndjson');
  });

  it('prefers a content type that names a format, ignoring parameters', () => {
    expect(detectRecipientsFormat('upload', 'text/csv; charset=utf-8')).toBe('csv');
    expect(detectRecipientsFormat('upload.csv', 'application/x-ndjson')).toBe('ndjson');
    expect(detectRecipientsFormat('upload', 'Application/JSONL')).toBe('ndjson');
    expect(detectRecipientsFormat('people.csv', 'application/octet-stream')).toBe('csv');
  });

  it('refuses anything else with a message naming the file and the accepted forms', () => {
    expect(() => detectRecipientsFormat('people.xlsx')).toThrow(ValidationError);
    expect(() => detectRecipientsFormat('people.json', 'application/json')).toThrow(
      'recipients: cannot tell the format of "people.json" (content type "application/json"); use a .csv, .ndjson or .jsonl file',
    );
    expect(() => detectRecipientsFormat('csv')).toThrow(ValidationError);
    expect(() => detectRecipientsFormat('x.constructor', 'constructor')).toThrow(ValidationError);
  });
});
