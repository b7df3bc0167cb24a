/**
 * What `up` prints for the AWS APIs: where they listen and the environment that points the
 * AWS CLI and SDKs at them. Pure.
 */

/** The environment variables for a run's AWS APIs, in the order they are printed. */
export function awsEnvironment(endpoint: string, region: string): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: region,
    // Any key is accepted (signatures are not checked); these only keep clients from looking
    // for real credentials.
    AWS_ACCESS_KEY_ID: "ecs-local",
    AWS_SECRET_ACCESS_KEY: "ecs-local",
    // Cloud Map's DiscoverInstances otherwise goes to `data-127.0.0.1`, which has no address.
    AWS_DISABLE_HOST_PREFIX_INJECTION: "true",
  };
}

/** The lines `up` prints once the run is healthy. */
export function awsEnvironmentLines(endpoint: string, region: string): string[] {
  const exports = Object.entries(awsEnvironment(endpoint, region))
    .map(([name, value]) => `${name}=${value}`)
    .join(" ");
  return [
    `  AWS APIs       ${endpoint}   (ECS, Cloud Map, Application Auto Scaling, CloudWatch)`,
    `    export ${exports}`,
    "    (an AWS CLI older than 2.13 ignores AWS_ENDPOINT_URL: add --endpoint-url $AWS_ENDPOINT_URL)",
  ];
}
