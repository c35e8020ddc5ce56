import { PLUGIN_ADMIN_PATH_PREFIX } from '../admin/index.js';
import { WHOAMI_PATH } from '../auth/index.js';
import type { HostConfig } from '../config/env-config.js';
import { LIVENESS_PATHS, READINESS_PATHS, type ServiceIndex } from '../health/index.js';
import { MCP_PATH } from '../mcp-server/index.js';
import { ChatService } from '../rpc/index.js';
import { CONTINUE_CHAT_STREAM } from '../rpc/chat-stream-method.js';
import { CONSOLE_PATH } from '../web-console/index.js';
import { HOST_VERSION } from './host-version.js';

/**
 * What `GET /` lists: the console, the API's paths (the chat methods from the service descriptor, so
 * a new RPC shows up by itself), the probes and the metrics. Only paths this host serves are listed.
 */
export function hostServiceIndex(config: HostConfig): ServiceIndex {
  const chat = `/twirp/${ChatService.typeName}/`;
  return {
    service: 'acai',
    version: HOST_VERSION,
    paths: {
      console: CONSOLE_PATH,
      api: {
        chat,
        chat_methods: ChatService.methods.map((method) => method.name),
        chat_stream: `${chat}${CONTINUE_CHAT_STREAM}`,
        admin: PLUGIN_ADMIN_PATH_PREFIX,
        whoami: WHOAMI_PATH,
        ...(config.mcp.httpEnabled ? { mcp: MCP_PATH } : {}),
      },
      health: { live: LIVENESS_PATHS[0], ready: READINESS_PATHS[0] },
      metrics: '/metrics',
    },
  };
}
