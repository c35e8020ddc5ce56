import { describe, expect, it } from 'vitest';
import { MINIMUM_NODE_VERSION, nodeVersionProblem } from './check-node-version.js';

describe('nodeVersionProblem', () => {
  it.each(['20.19.0', '20.20.2', 'v22.1.0', '24.0.0'])('accepts Node %s', (version) => {
    expect(nodeVersionProblem(version)).toBeUndefined();
  });

  it.each(['20.18.9', '18.20.4', 'v16.0.0', '0.12.0', 'garbage'])('refuses Node %s, naming the minimum and the fix', (version) => {
    expect(nodeVersionProblem(version)).toMatch(new RegExp(`^acai needs Node\\.js ${MINIMUM_NODE_VERSION.replace(/\./g, '\\.')} or newer; this is ${version}\\. Install a current Node\\.js`));
  });

  it('runs on the Node.js of this test run', () => {
    expect(nodeVersionProblem(process.versions.node)).toBeUndefined();
  });
});
