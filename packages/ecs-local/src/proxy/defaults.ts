/**
 * The Service Connect defaults in one place, with the ECS behaviour each mirrors, so a reader
 * can check them against AWS without reading the data path.
 */
export const SERVICE_CONNECT_DEFAULTS = {
  /** Service Connect `timeout.perRequestTimeoutSeconds` default: 15 s. 0 disables. */
  perRequestTimeoutMs: 15_000,
  /** Service Connect `timeout.idleTimeoutSeconds` default for HTTP: 300 s. 0 disables. */
  httpIdleTimeoutMs: 300_000,
  /** Service Connect `timeout.idleTimeoutSeconds` default for TCP: 3600 s. 0 disables. */
  tcpIdleTimeoutMs: 3_600_000,
  /** ECS gives the Service Connect agent 20 s to drain on task stop. */
  drainMs: 20_000,
  /**
   * Idle pooled connections of the ALB to its targets are closed after this long. Below
   * Node's default server `keepAliveTimeout` (5 s), so we close first, instead of sending a
   * request on a connection the app is closing at that moment (a spurious 502).
   */
  upstreamPoolIdleMs: 4_000,
} as const;
