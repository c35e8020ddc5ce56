// Who the client is at the network level: its address behind trusted proxies, and CIDR lists to match it.
// Both the auth plugin (failure budgets, trusted networks) and the rate limit (keyless buckets) depend on it.
export { createClientIpResolver } from './client-ip.js';
export type { ClientAddressSource, ClientIpResolver } from './client-ip.js';
export { NetworkList } from './network-list.js';
