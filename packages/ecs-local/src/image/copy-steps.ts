/**
 * COPY/ADD steps on the host: from the build context (only what `.dockerignore` lets
 * through) or from an earlier stage's folder, with Docker's rules for directories, wildcards
 * and destinations.
 */
import { existsSync } from "node:fs";
import { copyFile, cp, lstat, mkdir, readdir, readlink, rm, stat, symlink } from "node:fs/promises";
import * as path from "node:path";
import { BuildStepError } from "../errors.js";
import { globToRegExp } from "../glob-pattern.js";
import type { ContextEntry } from "./build-context.js";
import type { PlanStep } from "./image-plan.js";

type CopyStep = Extract<PlanStep, { kind: "copy" }>;

/** Where a COPY from the context reads and writes. */
export interface ContextCopy {
  /** The context's files, as `.dockerignore` leaves them. */
  readonly entries: readonly ContextEntry[];
  readonly contextDir: string;
  /** The stage folder (the container's `/`). */
  readonly root: string;
}

const GLOB = /[*?[]/;

/** COPY/ADD from the build context, seeing only what `.dockerignore` lets through. */
export async function copyFromContext(step: CopyStep, ctx: ContextCopy): Promise<void> {
  const byPath = new Map(ctx.entries.map((e) => [e.path, e] as const));
  const items: { rel: string; type: ContextEntry["type"] }[] = [];
  let wildcard = false;
  for (const source of step.sources) {
    const rel = path.posix.normalize(source.replace(/^\/+/, "")).replace(/\/+$/, "");
    if (rel === "." || rel === "") {
      items.push({ rel: "", type: "dir" });
    } else if (GLOB.test(rel)) {
      wildcard = true;
      const re = globToRegExp(rel);
      for (const e of ctx.entries) if (re.test(e.path)) items.push({ rel: e.path, type: e.type });
    } else {
      const e = byPath.get(rel);
      if (e) items.push({ rel, type: e.type });
      else if (ctx.entries.some((x) => x.path.startsWith(`${rel}/`)))
        items.push({ rel, type: "dir" });
      else throw copyNotFound(step, source, ctx.contextDir);
    }
  }
  if (items.length === 0) throw copyNotFound(step, step.sources.join(" "), ctx.contextDir);
  const destIsDir =
    step.dest.endsWith("/") ||
    wildcard ||
    items.length > 1 ||
    items[0]?.type === "dir" ||
    (await isDirectory(path.join(ctx.root, step.dest)));
  const destHost = path.join(ctx.root, step.dest);
  for (const item of items) {
    if (item.type === "dir") {
      const prefix = item.rel === "" ? "" : `${item.rel}/`;
      await mkdir(destHost, { recursive: true });
      for (const e of ctx.entries) {
        if (!e.path.startsWith(prefix)) continue;
        await copyEntry(
          path.join(ctx.contextDir, e.path),
          path.join(destHost, e.path.slice(prefix.length)),
          e.type,
        );
      }
    } else {
      const target = destIsDir ? path.join(destHost, path.posix.basename(item.rel)) : destHost;
      await copyEntry(path.join(ctx.contextDir, item.rel), target, item.type);
    }
  }
}

function copyNotFound(step: CopyStep, source: string, contextDir: string): BuildStepError {
  return new BuildStepError(
    `Dockerfile line ${step.line}: COPY source "${source}" is not in the build context ${contextDir} ` +
      "(or .dockerignore excludes it). Create it, fix the path, or adjust .dockerignore.",
  );
}

async function copyEntry(from: string, to: string, type: ContextEntry["type"]): Promise<void> {
  if (type === "dir") {
    await mkdir(to, { recursive: true });
    return;
  }
  await mkdir(path.dirname(to), { recursive: true });
  await rm(to, { force: true, recursive: true });
  if (type === "symlink") await symlink(await readlink(from), to);
  else await copyFile(from, to);
}

/** COPY --from=<stage>: source paths are container paths inside that stage's folder. */
export async function copyFromStage(step: CopyStep, fromRoot: string, root: string): Promise<void> {
  const sources: string[] = [];
  for (const source of step.sources) {
    const abs = path.posix.normalize(`/${source}`);
    if (GLOB.test(path.posix.basename(abs))) {
      const dir = path.join(fromRoot, path.posix.dirname(abs));
      const re = globToRegExp(path.posix.basename(abs));
      const names = existsSync(dir) ? await readdir(dir) : [];
      for (const n of names) if (re.test(n)) sources.push(path.join(dir, n));
    } else {
      const host = path.join(fromRoot, abs);
      if (!(await lstat(host).catch(() => undefined))) {
        throw new BuildStepError(
          `Dockerfile line ${step.line}: COPY --from source "${source}" does not exist in that stage (${host}). ` +
            "Check that an earlier step of that stage creates it.",
        );
      }
      sources.push(host);
    }
  }
  const destHost = path.join(root, step.dest);
  const first = sources[0];
  const destIsDir =
    step.dest.endsWith("/") ||
    sources.length !== 1 ||
    (first !== undefined && (await isDirectory(first))) ||
    (await isDirectory(destHost));
  for (const src of sources) {
    const srcIsDir = await isDirectory(src);
    // A directory source copies its contents, as Docker does.
    const target = srcIsDir
      ? destHost
      : destIsDir
        ? path.join(destHost, path.basename(src))
        : destHost;
    await mkdir(srcIsDir ? target : path.dirname(target), { recursive: true });
    await cp(src, target, { recursive: true, verbatimSymlinks: true, force: true });
  }
}

async function isDirectory(p: string): Promise<boolean> {
  return (await stat(p).catch(() => undefined))?.isDirectory() ?? false;
}
