import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { TestContext } from "node:test";

/** A task metadata v4 `/task` document, trimmed to what ECS returns for a Fargate task. */
export const sampleTaskDocument = {
  Cluster: "arn:aws:ecs:us-east-1:111122223333:cluster/ServiceConnectCluster",
  TaskARN:
    "arn:aws:ecs:us-east-1:111122223333:task/ServiceConnectCluster/0b69d5c0d13a4d4c8a1b2c3d4e5f6a7b",
  Family: "backend",
  Revision: "3",
  DesiredStatus: "RUNNING",
  KnownStatus: "RUNNING",
  AvailabilityZone: "us-east-1a",
  LaunchType: "FARGATE",
};

export interface MetadataServer {
  /** Base URL, as ECS puts it in `ECS_CONTAINER_METADATA_URI_V4`. */
  readonly uri: string;
  /** Paths requested so far. */
  readonly requests: string[];
}

/**
 * A real HTTP server on 127.0.0.1:0 standing in for the ECS agent's metadata endpoint. `handler`
 * defaults to answering `/task` with {@link sampleTaskDocument}. Closed in `t.after`.
 */
export async function startMetadataServer(
  t: TestContext,
  handler?: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<MetadataServer> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(req.url ?? "");
    if (handler) return handler(req, res);
    if (req.url?.endsWith("/task")) {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify(sampleTaskDocument));
    } else {
      res.statusCode = 404;
      res.end("not found");
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(async () => {
    // fetch keeps its sockets alive; drop them so close() does not wait on them.
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  const { port } = server.address() as AddressInfo;
  return {
    uri: `http://127.0.0.1:${port}/v4/0b69d5c0d13a4d4c8a1b2c3d4e5f6a7b-1234567890`,
    requests,
  };
}

/** A port that was free a moment ago and has nothing listening on it: connections are refused. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
