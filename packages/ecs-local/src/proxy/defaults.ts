/**
 * The Service Connect defaults in one place, with the ECS behaviour each mirrors, so a reader
 * can check them against AWS without reading the data path.
 */
export const SERVICE_CONNECT_DEFAULTS = {
  /** How long an agent waits to connect to an endpoint: Envoy's cluster `connect_timeout`, 5 s. */
  connectTimeoutMs: 5_000,
  /** Service Connect `timeout.perRequestTimeoutSeconds` default: 15 s. 0 disables. */
  perRequestTimeoutMs: 15_000,
  /** Service Connect `timeout.idleTimeoutSeconds` default for HTTP: 300 s. 0 disables. */
  httpIdleTimeoutMs: 300_000,
  /** Service Connect `timeout.idleTimeoutSeconds` default for TCP: 3600 s. 0 disables. */
  tcpIdleTimeoutMs: 3_600_000,
  /**
   * Retries of a request that failed to connect, got no response (a reset before the
   * headers) or got a 503: twice, each to another endpoint when there is one. AWS publishes no
   * value; users report "twice on connection failure or 503" (containers-roadmap#1963).
   */
  retries: 2,
  /**
   * Outlier ejection, Envoy's defaults (ECS publishes none): an endpoint that answers 5xx this
   * many times in a row is taken out of the rotation…
   */
  consecutive5xx: 5,
  /** …for this long (Envoy's `base_ejection_time`, 30 s). */
  baseEjectionMs: 30_000,
  /** ECS gives the Service Connect agent 20 s to drain on task stop. */
  drainMs: 20_000,
  /**
   * Idle pooled connections of the ALB to its targets are closed after this long. Below
   * Node's default server `keepAliveTimeout` (5 s), so we close first, instead of sending a
   * request on a connection the app is closing at that moment (a spurious 502).
   */
  upstreamPoolIdleMs: 4_000,
} as const;
