import { type Agent, request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { connect } from "node:net";

export interface SimpleResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/**
 * A GET over a real socket. `agent: false` (the default here) sends `Connection: close`, so a
 * test leaves no keep-alive socket behind unless it asks for one.
 */
export function get(
  url: string,
  options: { agent?: Agent | false; headers?: Record<string, string> } = {},
): Promise<SimpleResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { agent: options.agent ?? false, headers: options.headers });
    req.on("error", reject);
    req.on("response", (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        body += chunk;
      });
      res.on("error", reject);
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.end();
  });
}

/** Opens and closes a TCP connection; resolves with the error code, or "connected". */
export function tryConnect(port: number, host = "127.0.0.1"): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, host);
    socket.once("connect", () => {
      socket.destroy();
      resolve("connected");
    });
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}
