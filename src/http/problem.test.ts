import { describe, expect, it } from 'vitest';
import { BrokerUnavailableError } from '../broker/errors.js';
import { ConflictError, invalid, NotFoundError, ValidationError } from '../core/errors.js';
import { HttpProblemError, problem, problemFromError, problemType, PROBLEM_TYPES } from './problem.js';

/** A framework error as Fastify makes them: a code and a status. */
function frameworkError(code: string, statusCode: number, message = 'framework says no'): Error {
  return Object.assign(new Error(message), { code, statusCode });
}

describe('problemFromError', () => {
  it('maps a validation error to 400 with every issue', () => {
    const error = new ValidationError([
      { path: 'to', rule: 'format', message: 'to: must be an email address' },
      { path: 'subject', rule: 'required', message: 'subject: required' },
    ]);
    expect(problemFromError(error)).toEqual({
      type: 'urn:missive:problem:validation_failed',
      title: 'Invalid request',
      status: 400,
      detail: '2 fields are invalid',
      code: 'validation_failed',
      errors: error.issues,
    });
    expect(problemFromError(invalid('delivery.at', 'format', 'bad time')).detail).toBe('delivery.at: bad time');
  });

  it('maps not found to 404 and conflicts to 409 keeping their code', () => {
    expect(problemFromError(new NotFoundError('message', 'X1'))).toMatchObject({ status: 404, code: 'not_found', detail: 'message X1 not found' });
    const dispatched = problemFromError(new ConflictError('already_dispatched', 'cannot cancel message X1: it was already dispatched'));
    expect(dispatched).toMatchObject({ status: 409, code: 'already_dispatched', type: problemType('already_dispatched'), title: 'Message already dispatched' });
    expect(problemFromError(new ConflictError('something_else', 'no'))).toMatchObject({ status: 409, code: 'something_else', title: 'Conflict with the current state' });
  });

  it("keeps the framework's client errors as the 4xx they are", () => {
    expect(problemFromError(frameworkError('FST_ERR_CTP_BODY_TOO_LARGE', 413), { bodyLimitBytes: 1024 })).toMatchObject({
      status: 413,
      code: 'body_too_large',
      detail: 'the request body is larger than the limit of 1024 bytes',
    });
    expect(problemFromError(frameworkError('FST_ERR_CTP_INVALID_MEDIA_TYPE', 415))).toMatchObject({
      status: 415,
      code: 'unsupported_media_type',
      detail: 'the request body must be sent as application/json',
    });
    expect(problemFromError(frameworkError('FST_ERR_CTP_INVALID_MEDIA_TYPE', 415), { mediaTypes: ['application/json', 'text/csv', 'application/jsonl'] })).toMatchObject({
      status: 415,
      detail: 'the request body must be sent as application/json, text/csv or application/jsonl',
    });
    const json = problemFromError(frameworkError('FST_ERR_CTP_INVALID_JSON_BODY', 400));
    expect(json).toMatchObject({ status: 400, code: 'malformed_json', errors: [{ path: '(body)', rule: 'json' }] });
    expect(problemFromError(frameworkError('FST_ERR_CTP_EMPTY_JSON_BODY', 400)).code).toBe('malformed_json');
    expect(problemFromError(Object.assign(new SyntaxError('Unexpected token'), { statusCode: 400 })).code).toBe('malformed_json');
    expect(problemFromError(frameworkError('FST_ERR_BAD_URL', 400))).toMatchObject({ status: 400, code: 'bad_request' });
    expect(problemFromError(frameworkError('FST_WHATEVER', 414))).toMatchObject({ status: 414, code: 'uri_too_long' });
    expect(problemFromError(frameworkError('FST_WHATEVER', 431, 'headers too large'))).toMatchObject({ status: 431, code: 'bad_request', detail: 'headers too large' });
  });

  it('hides internal errors behind a 500 that says nothing of them', () => {
    const internal = problemFromError(new Error('connection to postgres://user:hunter2@db failed'));
    expect(internal).toMatchObject({ status: 500, code: 'internal_error' });
    expect(JSON.stringify(internal)).not.toContain('hunter2');
    // A framework error with a 5xx status (a server misconfiguration) is internal too.
    expect(problemFromError(frameworkError('FST_ERR_CTP_INVALID_TYPE', 500)).status).toBe(500);
    expect(problemFromError('a string thrown').status).toBe(500);
  });

  it('answers 503 when the broker is unavailable, and passes HTTP problems through', () => {
    expect(problemFromError(new BrokerUnavailableError('down'))).toMatchObject({ status: 503, code: 'broker_unavailable' });
    const own = problem('method_not_allowed', 'no', { extra: 1 });
    expect(problemFromError(new HttpProblemError(own))).toBe(own);
  });

  it('gives every problem type a status and title matching RFC 9457 use', () => {
    for (const [code, { status, title }] of Object.entries(PROBLEM_TYPES)) {
      expect(status, code).toBeGreaterThanOrEqual(400);
      expect(title.length, code).toBeGreaterThan(0);
      expect(problem(code as keyof typeof PROBLEM_TYPES, 'd')).toMatchObject({ type: `urn:missive:problem:${code}`, status, title, code });
    }
  });
});
