/**
 * Prepares every image the model's containers use, once per image, before any task starts,
 * so a failing build stops `up` with the build's own error instead of failing tasks.
 */
import { DockerfileError } from "../errors.js";
import { type PreparedImage, prepareImage } from "../image/build-steps.js";
import type { ContainerDefinition, Model } from "../model/types.js";
import type { Progress } from "./progress.js";
import { reportImage } from "./step-reports.js";

export interface PreparedImages {
  /** The prepared image of a container of the model, or of a later revision. */
  get(container: ContainerDefinition): PreparedImage;
  /** Makes a rebuilt image the one a container of a new revision runs. */
  add(container: ContainerDefinition, image: PreparedImage): void;
}

export async function prepareAllImages(
  model: Model,
  cacheDir: string,
  progress: Progress,
  signal?: AbortSignal,
): Promise<PreparedImages> {
  const prepared = new Map<string, PreparedImage>();
  for (const container of model.taskDefinitions.flatMap((t) => t.containers)) {
    const key = imageKey(container);
    if (prepared.has(key)) continue;
    const image = container.image;
    if (image.kind !== "asset" || !image.directory) {
      throw new DockerfileError(
        `Container ${container.name} uses the registry image ${image.kind === "registry" ? image.name : "?"}; ecs-local runs only images built from a folder (ContainerImage.fromAsset). Build it from a Dockerfile in your CDK app.`,
      );
    }
    progress.say(`▸ image of ${container.name} from ${image.directory}`);
    const result = await progress.guard(
      prepareImage({
        contextDir: image.directory,
        dockerfile: image.dockerfile,
        target: image.target,
        buildArgs: image.buildArgs,
        cacheDir,
        ...(signal ? { signal } : {}),
        onProgress: reportImage(progress, container.name),
      }),
    );
    prepared.set(key, result);
  }
  return {
    add(container, image) {
      prepared.set(imageKey(container), image);
    },
    get(container) {
      const found = prepared.get(imageKey(container));
      if (!found) throw new Error(`no prepared image for container ${container.name}`);
      return found;
    },
  };
}

function imageKey(container: ContainerDefinition): string {
  return container.image.kind === "asset"
    ? `asset:${container.image.assetHash}`
    : `registry:${container.image.name}`;
}
