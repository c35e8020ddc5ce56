import { describe, expect, it } from 'vitest';
import { planForwarder } from './sandbox-forwarder-plan.js';

describe('planForwarder', () => {
  it('gives each granted name a loopback address of its own, listening on its port or on 443 and 80', () => {
    const plan = planForwarder(['api.example.com', 'files.example.com:8443', 'api.example.com:9000']);
    expect(plan.hostsFile).toBe('127.0.0.1 localhost\n::1 localhost\n127.0.0.2 api.example.com\n127.0.0.3 files.example.com\n');
    expect(plan.listeners).toEqual([
      { address: '127.0.0.2', port: 443, destination: 'api.example.com:443' },
      { address: '127.0.0.2', port: 80, destination: 'api.example.com:80' },
      { address: '127.0.0.3', port: 8443, destination: 'files.example.com:8443' },
      { address: '127.0.0.2', port: 9000, destination: 'api.example.com:9000' },
    ]);
  });

  it('serves loopback addresses and localhost where they are, and leaves wildcards and other addresses to HTTPS_PROXY', () => {
    const plan = planForwarder(['127.0.0.1:8081', 'localhost:9090', '*.cdn.example', '10.0.0.5:443', '127.0.0.1:8081']);
    expect(plan.listeners).toEqual([
      { address: '127.0.0.1', port: 8081, destination: '127.0.0.1:8081' },
      { address: '127.0.0.1', port: 9090, destination: 'localhost:9090' },
    ]);
    expect(plan.hostsFile).not.toContain('cdn.example');
  });

  it('stops naming hosts when the loopback /24 runs out instead of reusing an address', () => {
    const hosts = Array.from({ length: 260 }, (_, index) => `h${index}.example:443`);
    const plan = planForwarder(hosts);
    const addresses = plan.listeners.map((listener) => listener.address);
    expect(new Set(addresses).size).toBe(addresses.length);
    expect(addresses.at(-1)).toBe('127.0.0.254');
  });
});
