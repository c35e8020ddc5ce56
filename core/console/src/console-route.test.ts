import { describe, expect, it } from 'vitest';
import { consoleRoutePath, parseConsoleRoute } from './console-route.js';

describe('console routes', () => {
  it('maps paths to pages and back', () => {
    expect(parseConsoleRoute('/console')).toEqual({ page: 'chat' });
    expect(parseConsoleRoute('/console/')).toEqual({ page: 'chat' });
    expect(parseConsoleRoute('/console/chat/665f1c2e9a7b3d0012345678')).toEqual({ page: 'chat', conversationId: '665f1c2e9a7b3d0012345678' });
    expect(parseConsoleRoute('/console/plugins')).toEqual({ page: 'plugins' });
    expect(parseConsoleRoute('/console/metrics/')).toEqual({ page: 'metrics' });
    expect(parseConsoleRoute('/console/audit')).toEqual({ page: 'audit' });
    for (const route of [{ page: 'chat' }, { page: 'chat', conversationId: 'abc-123' }, { page: 'plugins' }, { page: 'metrics' }, { page: 'audit' }] as const) {
      expect(parseConsoleRoute(consoleRoutePath(route))).toEqual(route);
    }
  });

  it('treats anything else as not found, including hostile ids', () => {
    for (const path of ['/consoles', '/', '/console/plugins/x', '/console/audit/x', '/console/chat/<script>', '/console/chat/a.b', `/console/chat/${'a'.repeat(65)}`, '/console/unknown']) {
      expect(parseConsoleRoute(path), path).toEqual({ page: 'not_found' });
    }
  });
});
