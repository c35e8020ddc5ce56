import { describe, expect, it } from 'vitest';
import { SECURE_BASE_URL_PATTERN, SECURE_URL_PATTERN } from './secure-url-pattern.js';

const matches = (pattern: string, url: string): boolean => new RegExp(pattern, 'u').test(url);

describe('SECURE_URL_PATTERN', () => {
  it('accepts HTTPS URLs, with or without a path and query', () => {
    for (const url of ['https://example.com', 'https://example.com/v1', 'https://calendar.example.com/feed.ics?key=abc&lang=es']) {
      expect(matches(SECURE_URL_PATTERN, url), url).toBe(true);
    }
  });

  it('accepts plain HTTP only to a loopback test server', () => {
    for (const url of ['http://127.0.0.1:8080/feed.ics', 'http://localhost/v1', 'http://[::1]:9/x?y=1']) {
      expect(matches(SECURE_URL_PATTERN, url), url).toBe(true);
    }
    for (const url of ['http://example.com/feed.ics', 'http://127.0.0.2/', 'http://localhost.example.com/', 'http://10.0.0.1/']) {
      expect(matches(SECURE_URL_PATTERN, url), url).toBe(false);
    }
  });

  it('refuses other schemes, whitespace, fragments and credentials hidden in the host part', () => {
    for (const url of ['ftp://example.com/', 'file:///etc/passwd', 'https://exa mple.com/', 'https://example.com/a b', 'https://example.com/#x', 'https://', 'javascript:alert(1)']) {
      expect(matches(SECURE_URL_PATTERN, url), url).toBe(false);
    }
  });
});

describe('SECURE_BASE_URL_PATTERN', () => {
  it('accepts what SECURE_URL_PATTERN accepts, minus the query string', () => {
    expect(matches(SECURE_BASE_URL_PATTERN, 'https://api.example.com/v1')).toBe(true);
    expect(matches(SECURE_BASE_URL_PATTERN, 'http://127.0.0.1:4000/v1/forecast')).toBe(true);
    expect(matches(SECURE_BASE_URL_PATTERN, 'https://api.example.com/v1?key=smuggled')).toBe(false);
    expect(matches(SECURE_BASE_URL_PATTERN, 'http://example.com/v1')).toBe(false);
  });
});
