import { describe, expect, it } from 'vitest';
import { describeMongodbFailure, describeMongodbTarget } from './describe-mongodb-target.js';

describe('describeMongodbTarget', () => {
  it('names the servers with their ports, never the credentials, path or options', () => {
    expect(describeMongodbTarget('mongodb://user:p%40ss@db1.internal:27018,db2.internal/acai?replicaSet=rs0&authSource=admin')).toBe('db1.internal:27018,db2.internal:27017');
    expect(describeMongodbTarget('mongodb://127.0.0.1')).toBe('127.0.0.1:27017');
    expect(describeMongodbTarget('mongodb://[::1]:27019/x')).toBe('[::1]:27019');
    expect(describeMongodbTarget('mongodb+srv://admin:secret@cluster0.example.net/acai')).toBe('mongodb+srv cluster0.example.net');
  });

  it('says nothing it cannot parse safely', () => {
    expect(describeMongodbTarget('not a url with secret')).toBe('the MONGODB_URL servers');
  });
});

describe('describeMongodbFailure', () => {
  const selection = (cause: unknown) => Object.assign(new Error('Server selection timed out after 5000 ms'), { name: 'MongoServerSelectionError', cause });

  it('names the usual start-up failures without quoting the driver', () => {
    expect(describeMongodbFailure(selection(Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:27017'), { code: 'ECONNREFUSED' })))).toMatch(/^connection refused/);
    expect(describeMongodbFailure(selection(Object.assign(new Error('getaddrinfo ENOTFOUND db.invalid'), { code: 'ENOTFOUND' })))).toBe('the host name does not resolve');
    expect(describeMongodbFailure(Object.assign(new Error('Authentication failed.'), { name: 'MongoServerError', code: 18, codeName: 'AuthenticationFailed' }))).toMatch(/^authentication failed/);
    expect(describeMongodbFailure(selection(undefined))).toBe('no server answered in time');
  });

  it('follows a server-selection error to the servers\' last errors', () => {
    const servers = new Map([['db:27017', { error: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) }]]);
    expect(describeMongodbFailure(Object.assign(new Error('timed out'), { name: 'MongoServerSelectionError', reason: { servers } }))).toMatch(/^connection refused/);
  });

  it('names anything else by its class only', () => {
    expect(describeMongodbFailure(Object.assign(new Error('mongodb://u:secret@h failed oddly'), { name: 'MongoParseError' }))).toBe('MongoParseError');
    expect(describeMongodbFailure('text')).toBe('unknown error');
  });
});
