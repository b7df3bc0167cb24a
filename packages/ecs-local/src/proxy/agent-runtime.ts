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
