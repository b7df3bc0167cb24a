#!/usr/bin/env node
// The ecs-local command. In a checkout of the repository the TypeScript sources run through tsx,
// so the dev loop has no build step; an installed package runs its plain JavaScript in dist/.
// An installed package has no src/ (package.json "files"), and whatever sits under a
// node_modules folder counts as installed even if it has, so it never needs tsx.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const sources = new URL("../src/cli/main.ts", import.meta.url);
const built = new URL("../dist/cli.mjs", import.meta.url);
// import.meta.url is the real path: node resolves the symlinks of npm's .bin and workspaces.
const installed = fileURLToPath(import.meta.url)
  .split(/[\\/]/)
  .includes("node_modules");

if (!installed && existsSync(sources)) {
  const { register } = await import("tsx/esm/api");
  register();
  await import(sources.href);
} else if (existsSync(built)) {
  await import(built.href);
} else {
  process.stderr.write(
    `ecs-local: ${fileURLToPath(built)} is missing; this copy of ecs-local was never built. Reinstall the package, or run \`npm run build\` in its folder.\n`,
  );
  process.exit(1);
}
