// Brings the two apps up on this machine without ECS: the backend on 127.0.0.1:5000 and the
// frontend on 127.0.0.1:3000, the frontend told where the backend is through BACKEND_URL.
// Both are built first. Ctrl-C stops both.
import { spawn, spawnSync } from "node:child_process";
import { join } from "node:path";

const root = join(import.meta.dirname, "..");
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1" };

for (const app of ["app/backend", "app/frontend"]) {
  console.log(`[start] building ${app}`);
  const build = spawnSync("npm", ["run", "build"], { cwd: join(root, app), stdio: "inherit", env });
  if (build.status !== 0) {
    console.error(`[start] ${app}: build failed (exit ${build.status}); see the output above.`);
    process.exit(build.status ?? 1);
  }
}

const children = [
  spawn("node", ["dist/server.js"], {
    cwd: join(root, "app/backend"),
    stdio: "inherit",
    env: { ...env, HOST: "127.0.0.1", PORT: "5000" },
  }),
  spawn("node", [".next/standalone/server.js"], {
    cwd: join(root, "app/frontend"),
    stdio: "inherit",
    env: { ...env, HOSTNAME: "127.0.0.1", PORT: "3000", BACKEND_URL: "http://127.0.0.1:5000" },
  }),
];
console.log("[start] frontend: http://127.0.0.1:3000/  backend: http://127.0.0.1:5000/api/message");

let stopping = false;
function stop(code) {
  if (stopping) return;
  stopping = true;
  for (const child of children) child.kill("SIGTERM");
  process.exitCode = code;
}
process.on("SIGINT", () => stop(0));
process.on("SIGTERM", () => stop(0));
for (const child of children) {
  child.on("exit", (code) => {
    if (!stopping) console.error(`[start] a server exited (code ${code}); stopping the other.`);
    stop(code ?? 1);
  });
}
