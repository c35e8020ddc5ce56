import { Counter, type Registry } from 'prom-client';
import type { McpServerEvent } from './mcp-plugin-runtime.js';

/** Prometheus counters of MCP-server plugins' lifecycles (label: plugin, plus a fixed cause word). */
export interface McpMetrics {
  /** Feed it every MCP server event. */
  readonly record: (plugin: string, event: McpServerEvent) => void;
}

/** Registers (or reuses, so a second host in one registry never registers twice) the MCP counters. */
export function createMcpMetrics(registry: Registry): McpMetrics {
  const counter = <Labels extends string>(name: string, help: string, labelNames: readonly Labels[]): Counter<Labels> =>
    (registry.getSingleMetric(name) as Counter<Labels> | undefined) ?? new Counter({ name, help, labelNames, registers: [registry] });
  const exits = counter('acai_mcp_server_exits_total', 'MCP servers that stopped or became unreachable without being asked to, by plugin.', ['plugin']);
  const restarts = counter('acai_mcp_server_restarts_total', 'Successful restarts (stdio) or reconnects (Streamable HTTP) of MCP servers, by plugin.', ['plugin']);
  const restartFailures = counter('acai_mcp_server_restart_failures_total', 'Restart or reconnect attempts of MCP servers that failed, by plugin.', ['plugin']);
  const listChanged = counter('acai_mcp_list_changed_notifications_total', 'notifications/tools/list_changed received from MCP servers, by plugin (whether or not the tools changed).', ['plugin']);
  const toolsChanged = counter(
    'acai_mcp_tools_changed_total',
    'MCP servers that announced tools/list_changed (cause="notification") or came back from a restart with other tools (cause="restart").',
    ['plugin', 'cause'],
  );
  const protocolErrors = counter('acai_mcp_protocol_errors_total', 'Messages from MCP servers that were not valid protocol (malformed JSON-RPC, oversized), by plugin.', ['plugin']);
  return {
    record(plugin, event) {
      switch (event.type) {
        case 'exited':
          exits.labels(plugin).inc();
          return;
        case 'restarted':
          restarts.labels(plugin).inc();
          return;
        case 'restart-failed':
          restartFailures.labels(plugin).inc();
          return;
        case 'list-changed':
          listChanged.labels(plugin).inc();
          return;
        case 'tools-changed':
          toolsChanged.labels(plugin, event.cause).inc();
          return;
        case 'protocol-error':
          protocolErrors.labels(plugin).inc();
          return;
      }
    },
  };
}
