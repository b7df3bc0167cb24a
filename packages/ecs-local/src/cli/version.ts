import { readFileSync } from "node:fs";

/** The version of ecs-local, as its package.json states it. */
export function packageVersion(): string {
  if (typeof ECS_LOCAL_BUILD_VERSION === "string") {
    return ECS_LOCAL_BUILD_VERSION;
  } else {
    // Running the sources: this file is src/cli/version.ts, two folders below package.json.
    const file = new URL("../../package.json", import.meta.url);
    return (JSON.parse(readFileSync(file, "utf8")) as { version: string }).version;
  }
}
