import { describe, expect, it } from 'vitest';
import { loadHostConfig } from '../config/env-config.js';
import { mongodbUrlProblem } from './mongodb-url-problem.js';

describe('mongodbUrlProblem', () => {
  it.each([
    'mongodb://127.0.0.1:27017/acai',
    'mongodb://acai:s3cr%40t@db1:27017,db2:27017,db3:27017/acai?replicaSet=rs0&readPreference=primaryPreferred',
    'mongodb://db1,db2/?replicaSet=rs0',
    'mongodb+srv://acai:pw@cluster0.example.net/acai?retryWrites=true',
    'mongodb://[::1]:27017/',
  ])('accepts %s', (value) => {
    expect(mongodbUrlProblem(value)).toBeUndefined();
  });

  it.each([
    ['http://db:27017', /expected mongodb:\/\//],
    ['mongodb+srv://a.example.net,b.example.net/acai', /one host name/],
    ['mongodb+srv://cluster0.example.net:27017/acai', /without a port/],
    ['mongodb://db1:0/acai', /out of range/],
    ['mongodb://db1:27017,/acai', /not host/],
    ['mongodb://db1/ac.ai', /database name/],
    ['mongodb://db1/a%20b', /database name/],
  ])('refuses %s', (value, message) => {
    expect(mongodbUrlProblem(value)).toMatch(message);
  });

  it('never quotes a host entry, which may hold part of a password with an unescaped / or ?', () => {
    const problem = mongodbUrlProblem('mongodb://acai:hunter2?x@db1:27017,db2:27017/acai');
    expect(problem).toMatch(/is not host or host:port \(percent-encode|expected mongodb/);
    expect(problem).not.toMatch(/hunter2/);
  });

  it('lets the host configuration take a replica-set seed list', () => {
    const url = 'mongodb://db1:27017,db2:27017,db3:27017/acai?replicaSet=rs0';
    expect(loadHostConfig({ MONGODB_URL: url }).mongodb.url).toBe(url);
  });
});
