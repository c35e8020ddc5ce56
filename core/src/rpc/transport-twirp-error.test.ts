import { describe, expect, it } from 'vitest';
import { TwirpError } from '../errors/index.js';
import { toTransportTwirpError } from './transport-twirp-error.js';

/** An error shaped like the ones Fastify raises while reading a body. */
function fastifyError(code: string, statusCode: number): Error {
  return Object.assign(new Error(`Fastify's own text for ${code}`), { code, statusCode });
}

describe('toTransportTwirpError', () => {
  it.each([
    ['FST_ERR_CTP_BODY_TOO_LARGE', 413, { code: 'resource_exhausted', status: 413 }],
    ['FST_ERR_CTP_INVALID_JSON_BODY', 400, { code: 'malformed', status: 400, msg: 'the request body is not valid JSON' }],
    ['FST_ERR_CTP_EMPTY_JSON_BODY', 400, { code: 'malformed', status: 400, msg: 'the request body is not valid JSON' }],
    ['FST_ERR_CTP_INVALID_MEDIA_TYPE', 415, { code: 'malformed', status: 415 }],
    ['FST_ERR_CTP_INVALID_CONTENT_LENGTH', 400, { code: 'malformed', status: 400, msg: 'the request body could not be read' }],
  ])('answers Fastify %s with a client code and its own words', (code, statusCode, expected) => {
    const answer = toTransportTwirpError(fastifyError(code, statusCode), 1024);
    expect(answer).toBeInstanceOf(TwirpError);
    expect({ code: answer.code, status: answer.httpStatus, ...('msg' in expected ? { msg: answer.message } : {}) }).toEqual(expected);
    expect(JSON.stringify(answer.toJSON())).not.toMatch(/FST_|Fastify/);
  });

  it('never turns a server fault or an unknown value into a client code, nor shows its text', () => {
    for (const thrown of [new Error('db password is hunter2'), fastifyError('FST_ERR_SOMETHING_INTERNAL', 500), Object.assign(new Error('x'), { statusCode: 404 }), 'a string', null]) {
      const answer = toTransportTwirpError(thrown, 1024);
      expect(answer.toJSON()).toEqual({ code: 'internal', msg: 'internal error' });
    }
  });
});
