// Installs the two application packages, which keep their own lock files (each must build
// alone with `docker build`), so the root `npm install` / `npm ci` leaves a ready checkout.
// An install is skipped when its lock file has not changed since the last one.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dirname, "..");
const apps = ["app/backend", "app/frontend"];

for (const app of apps) {
  const dir = join(root, app);
  const lock = join(dir, "package-lock.json");
  const stamp = join(dir, "node_modules", ".installed-lock-hash");
  const hash = createHash("sha256").update(readFileSync(lock)).digest("hex");
  if (existsSync(stamp) && readFileSync(stamp, "utf8") === hash) {
    console.log(`[install] ${app}: up to date`);
    continue;
  }
  console.log(`[install] ${app}: npm ci`);
  const result = spawnSync("npm", ["ci", "--no-audit", "--no-fund"], {
    cwd: dir,
    stdio: "inherit",
  });
  if (result.status !== 0) {
    console.error(
      `[install] ${app}: npm ci failed (exit ${result.status}). Fix the error above, then run npm install again.`,
    );
    process.exit(result.status ?? 1);
  }
  writeFileSync(stamp, hash);
}
