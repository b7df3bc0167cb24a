/**
 * haproxy's runtime API over its admin socket: one command per connection, the answer is
 * everything it writes before closing. The control plane uses it to follow Cloud Map, drain,
 * and read counters, without reloading the agent.
 */
import { connect } from "node:net";

/** Sends one command; resolves with the answer, rejects when the socket cannot be reached. */
export function agentCommand(
  socketPath: string,
  command: string,
  timeoutMs = 5_000,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    let answer = "";
    const timer = setTimeout(() => {
      socket.destroy(new Error(`no answer to "${command}" within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      answer += chunk;
    });
    socket.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on("end", () => {
      clearTimeout(timer);
      resolve(answer);
    });
    socket.end(`${command}\n`);
  });
}

/**
 * Follows a ring of the agent: every line written to it from now on (`show events <ring> -w
 * -n`), as it is written, until `close()` or until the agent closes the connection (it exits).
 */
export function followRing(
  socketPath: string,
  ring: string,
  onLine: (line: string) => void,
  onEnd: (error?: Error) => void,
): { close(): void } {
  const socket = connect(socketPath);
  let pending = "";
  let closed = false;
  socket.setEncoding("utf8");
  socket.on("connect", () => socket.write(`show events ${ring} -w -n\n`));
  socket.on("data", (chunk: string) => {
    // One split per chunk: a busy agent sends thousands of lines at once.
    const lines = (pending + chunk).split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) onLine(line);
  });
  socket.on("error", (error) => {
    if (!closed) onEnd(error);
    closed = true;
  });
  socket.on("close", () => {
    if (!closed) onEnd();
    closed = true;
  });
  return {
    close() {
      closed = true;
      socket.destroy();
    },
  };
}
