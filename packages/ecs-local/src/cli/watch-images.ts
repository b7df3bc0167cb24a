/**
 * `up --watch`: a change in an image's build context rebuilds that image and rolls each
 * service that runs it as a new deployment of a new task definition revision, as a
 * `cdk deploy` of the changed asset would. A failed build changes nothing: the services keep
 * their revision and the next change tries again.
 */
import type { ControlPlane } from "../control/control-plane.js";
import { type PreparedImage, prepareImage } from "../image/build-steps.js";
import { type ContextWatch, watchContext } from "../image/context-watcher.js";
import type { ContainerDefinition, TaskDefinition } from "../model/types.js";
import type { PreparedImages } from "./prepare-images.js";
import type { Progress } from "./progress.js";
import { reportImage } from "./step-reports.js";

type AssetImage = Extract<ContainerDefinition["image"], { kind: "asset" }>;

/** One build context and how it is built: the unit a change rebuilds. */
interface WatchedImage {
  readonly source: AssetImage & { readonly directory: string };
  current: PreparedImage;
  building: boolean;
  /** A change arrived while building: build again once done. */
  again: boolean;
}

export function watchImages(options: {
  readonly runtime: ControlPlane;
  readonly images: PreparedImages;
  readonly cacheDir: string;
  readonly progress: Progress;
}): { close(): void } {
  const { runtime, images, progress } = options;
  const watched = new Map<string, WatchedImage>();
  for (const controller of runtime.controllers) {
    for (const container of controller.taskDefinition.containers) {
      const image = container.image;
      if (image.kind !== "asset" || !image.directory) continue;
      const key = buildKey(image);
      if (watched.has(key)) continue;
      watched.set(key, {
        source: { ...image, directory: image.directory },
        current: images.get(container),
        building: false,
        again: false,
      });
    }
  }
  const rebuild = async (key: string, entry: WatchedImage): Promise<void> => {
    if (entry.building) {
      entry.again = true;
      return;
    }
    entry.building = true;
    try {
      const { source } = entry;
      const name = source.directory;
      const prepared = await prepareImage({
        contextDir: source.directory,
        ...(source.dockerfile ? { dockerfile: source.dockerfile } : {}),
        ...(source.target ? { target: source.target } : {}),
        ...(source.buildArgs ? { buildArgs: source.buildArgs } : {}),
        cacheDir: options.cacheDir,
        onProgress: reportImage(progress, name),
      });
      if (prepared.contentHash === entry.current.contentHash) return;
      entry.current = prepared;
      for (const controller of runtime.controllers) {
        const next = withImage(controller.taskDefinition, key, prepared.contentHash);
        if (!next) continue;
        for (const container of next.containers) {
          if (
            container.image.kind === "asset" &&
            container.image.assetHash === prepared.contentHash
          )
            images.add(container, prepared);
        }
        const status = runtime.deploy(controller.service.name, next);
        const primary = status.deployments[0];
        progress.say(
          `▸ ${controller.service.name}: ${name} changed; deployment ${primary?.id} of revision ${primary?.taskDefinitionRevision}`,
        );
      }
    } catch (error) {
      progress.say(
        `▸ rebuilding ${entry.source.directory} failed; its services keep their revision. ${(error as Error).message}`,
      );
    } finally {
      entry.building = false;
      if (entry.again) {
        entry.again = false;
        void rebuild(key, entry);
      }
    }
  };
  const watches: ContextWatch[] = [...watched].map(([key, entry]) =>
    watchContext(entry.source.directory, () => void rebuild(key, entry), {
      onError: (error) => progress.say(`▸ watching ${entry.source.directory}: ${error.message}`),
    }),
  );
  progress.say(
    `▸ watching ${[...watched.values()].map((w) => w.source.directory).join(", ")}; a change rolls a new deployment`,
  );
  return {
    close() {
      for (const watch of watches) watch.close();
    },
  };
}

function buildKey(image: AssetImage): string {
  return JSON.stringify([image.directory, image.dockerfile, image.target, image.buildArgs ?? {}]);
}

/**
 * The task definition with every container built from `key` running the image `assetHash`,
 * or undefined when none is.
 */
function withImage(
  definition: TaskDefinition,
  key: string,
  assetHash: string,
): TaskDefinition | undefined {
  let changed = false;
  const containers = definition.containers.map((c) => {
    if (c.image.kind !== "asset" || buildKey(c.image) !== key) return c;
    changed = true;
    return { ...c, image: { ...c.image, assetHash } };
  });
  return changed ? { ...definition, containers } : undefined;
}
